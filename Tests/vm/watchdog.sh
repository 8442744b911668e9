#!/bin/sh
# The hardware watchdog (watchdog.device), run INSIDE the VM of Tests/vm/gpio-vm.sh --watchdog (an
# i6300ESB at /dev/watchdog whose expiry powers the VM off), after tests.sh or alone:
#   sh watchdog.sh SCENARIO... [--prior RC]
# Scenarios, in the order given; at most one power-off, last:
#   term  the daemon pets a 3 s watchdog for 7 s (no power-off), a second daemon is refused with a
#         clear EBUSY message, and SIGTERM opens the relay (the kernel's gpio trace) then disarms the
#         watchdog with the magic close: still running 6 s later, no "watchdog did not stop!"
#   kill  kill -9: the watchdog is not disarmed and powers the VM off about 3 s later
#   stop  SIGSTOP (a hung daemon): it stops petting and the VM powers off within 3 s
# A power-off scenario prints "VM-EXPECT-POWEROFF MIN MAX RC" (gpio-vm.sh measures the delay; RC is
# the status of everything before, including --prior) and fails if the VM is still up 15 s later.

T=/tmp/wd
. "$(dirname "$0")/lib.sh"
PRIOR=0
SCENARIOS=
while [ $# -gt 0 ]; do
  case $1 in --prior) PRIOR=$2; shift 2 ;; *) SCENARIOS="$SCENARIOS $1"; shift ;; esac
done

WATCHDOG="watchdog.device = /dev/watchdog
watchdog.timeout = 3s"
[ -c /dev/watchdog ]; expect "the VM has /dev/watchdog ($(cat /sys/class/watchdog/watchdog0/identity 2>/dev/null))" $? 0
conf w w /dev/$CHIP no "$WATCHDOG"

# start_closed: the daemon with the watchdog, its relay closed by a credit.
start_closed() {
  start w || { fail "daemon with watchdog.device starts" "exit" "running"; return 1; }
  q credit main 5 IOTA > /dev/null
  wait_level $RELAY 1 500; lvl $RELAY; expect "credit closes the relay" "$L" 1
}

# expect_poweroff MIN MAX: hands the verdict to gpio-vm.sh, which times the power-off.
expect_poweroff() {
  rc=$PRIOR; [ $FAILED = 0 ] || rc=1
  echo "$PASSED passed, $FAILED failed before the power-off"
  echo "VM-EXPECT-POWEROFF $1 $2 $rc"
}

for scenario in $SCENARIOS; do
  case $scenario in
  term)
    start_closed || break
    expect "status: watchdog on" "$(q status | sed -n 's/^watchdog //p')" on
    expect "metrics: watchdog armed" "$(q metrics | sed -n 's/^tanglemeter_watchdog_armed //p')" 1
    grep -q "watchdog /dev/watchdog (3 s)" $T/w.log; expect "start-up log: watchdog device and timeout" $? 0
    conf busy busy /dev/$CHIP no "$WATCHDOG
gpio.sim_dir = $T/busy-gpio"
    sed -i 's/^gpio.backend = gpiod/gpio.backend = sim/' $T/busy.conf
    tanglemeter -c $T/busy.conf > $T/busy.log 2>&1; rc=$?
    expect "a second daemon on the same watchdog exits 2" $rc 2
    grep -q "watchdog.device /dev/watchdog is busy: another program holds it" $T/busy.log
    expect "and says the watchdog is busy" $? 0
    [ $rc = 2 ] || cat $T/busy.log
    sleep 7
    kill -0 $DPID; expect "7 s with a 3 s timeout: the daemon pets it, no power-off" $? 0
    trace_start
    kill -TERM $DPID; wait $DPID; rc=$?
    expect "SIGTERM: clean exit" $rc 0
    expect "SIGTERM: the relay is driven open, then the exit" "$(last_drive_then_exit)" "set 0 then exit"
    sleep 6
    expect "SIGTERM: magic close, no power-off 6 s later" "$(dmesg | grep -c 'watchdog did not stop')" 0
    ;;
  kill)
    start_closed || break
    expect_poweroff 2.5 4.5
    kill -9 $DPID
    sleep 15; fail "kill -9: the watchdog powers the VM off" "still running 15 s later" "power-off"
    ;;
  stop)
    start_closed || break
    expect_poweroff 1.5 4.5
    kill -STOP $DPID
    sleep 15; fail "SIGSTOP: the watchdog powers the VM off" "still running 15 s later" "power-off"
    ;;
  *) fail "scenario $scenario" unknown "term, kill or stop" ;;
  esac
done

exec 3>&-
kill $SIM_PID 2>/dev/null
echo "$PASSED passed, $FAILED failed"
[ $FAILED = 0 ] && [ $PRIOR = 0 ]
