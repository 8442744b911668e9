#!/bin/sh
# Run INSIDE the trixie arm64 VM of Tests/trixie/vm.sh by BusyBox sh, after init has started
# meter-sim and run `/etc/init.d/tanglemeter start` (its output in /run/initd-start.out, its status
# in /run/initd-start.rc). Every relay level asserted is the kernel's view of the PL061 line
# (/sys/kernel/debug/gpio, and the gpio trace events), never the daemon's own word.
# Prints PASS/FAIL lines and a final "N passed, M failed"; exits 1 on any failure.

CONF=/etc/tanglemeter.conf
INITD=/etc/init.d/tanglemeter
PIDFILE=/run/tanglemeter.pid
LOG=/var/log/tanglemeter.log
LABEL=9030000.pl061
RELAY=$(sed -n 's/^relay\.line *= *//p' $CONF)
LED=$(sed -n 's/^led\.line *= *//p' $CONF)
PASSED=0; FAILED=0
pass() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1: got '$2' want '$3'"; FAILED=$((FAILED + 1)); }
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "$2" "$3"; fi; }
finish() {
  echo "--- $LOG"; cat $LOG 2>/dev/null
  echo "$PASSED passed, $FAILED failed"
  [ $FAILED = 0 ]; exit
}

# NOW: centiseconds since boot, without forking.
now() { read up _ < /proc/uptime; f=${up#*.}; NOW=$((${up%.*} * 100 + ${f#0})); }

# The kernel's view of one line of the PL061, from debugfs: " gpio-516 (NAME|CONSUMER) out hi ...".
# Sets CONSUMER (trimmed; empty when nobody holds the line) and STATE ("out hi", "out lo", "in lo").
gpio_base() { sed -n "s/^gpiochip[0-9]*: GPIOs \([0-9]*\)-[0-9]*,.* $LABEL:\$/\1/p" /sys/kernel/debug/gpio; }
BASE=$(gpio_base)
line_view() {
  row=$(grep "^ gpio-$((BASE + $1)) " /sys/kernel/debug/gpio)
  CONSUMER=$(echo "$row" | sed -n 's/^[^|]*|\([^)]*\)).*/\1/p' | sed 's/ *$//')
  STATE=$(echo "$row" | sed -n 's/^.*) \(out\|in \) \(hi\|lo\).*/\1 \2/p' | sed 's/  */ /')
}
# wait_state LINE STATE CENTISECONDS: 0 once debugfs shows the line in STATE.
wait_state() {
  now; d=$((NOW + $3))
  while line_view "$1"; [ "$STATE" != "$2" ]; do now; [ "$NOW" -ge "$d" ] && return 1; usleep 50000; done
}
q() { tanglemeter -c $CONF query "$@"; }
status_of() { q status | sed -n "s/^$1 //p"; }

# trace_start, last_drive_then_exit (of $DPID): the gpio trace, shared with the gpio-sim VM.
. /opt/trace.sh

echo "kernel $(uname -r); $(grep "$LABEL" /sys/kernel/debug/gpio)"
echo "libraries of /usr/sbin/tanglemeter on this image:"
/lib/ld-linux-aarch64.so.1 --list /usr/sbin/tanglemeter > /tmp/ldd.out 2>&1; rc=$?
sed 's/^/  /' /tmp/ldd.out
expect "every library the firmware links resolves on trixie (ld.so --list)" "$rc,$(grep -c 'not found' /tmp/ldd.out)" "0,0"
grep -q libgpiod /tmp/ldd.out
expect "the firmware links no libgpiod (loaded at run time instead)" $? 1
expect "the PL061 is in the kernel's GPIO view (label $LABEL)" "$([ -n "$BASE" ] && echo yes)" yes

# 1. At boot, init ran the project's own init script.
rc=$(cat /run/initd-start.rc)
expect "at boot: /etc/init.d/tanglemeter start exits 0" "$rc" 0
if [ "$rc" != 0 ]; then
  echo "--- /etc/init.d/tanglemeter start said:"; cat /run/initd-start.out
  echo "--- the daemon run by hand:"; tanglemeter -c $CONF --check; echo "exit $?"
  finish
fi
$INITD status > /dev/null; expect "init script status: running" $? 0
DPID=$(cat $PIDFILE)
expect "the pidfile names the daemon itself (exec'd by the init script's shell)" "$(cat /proc/$DPID/comm)" tanglemeter

# 2. The kernel's view before any credit: both lines held by the daemon, the relay open.
# The libgpiod in use: trixie's libgpiod3 (its upstream version, written by vm.sh from the
# sysroot's package list), loaded at run time — the daemon maps libgpiod.so.3 and no .so.2.
expect "status: gpio names trixie's libgpiod" "$(status_of gpio)" "libgpiod-$(cat /opt/libgpiod-version)"
expect "the daemon has libgpiod.so.3 mapped, and no libgpiod.so.2" \
  "$(grep -o 'libgpiod\.so\.[0-9]*' /proc/$DPID/maps | sort -u | paste -sd' ')" "libgpiod.so.3"
line_view $RELAY
expect "debugfs: relay line $RELAY's consumer" "$CONSUMER" tanglemeter
expect "debugfs: relay line $RELAY open before any credit" "$STATE" "out lo"
line_view $LED
expect "debugfs: LED line $LED's consumer" "$CONSUMER" tanglemeter
expect "status before credit: relay off" "$(status_of main.relay)" off

# 3. An admin credit over the socket closes the relay.
q credit main 1000 IOTA; expect "query credit main 1000 IOTA: OK (exit 0)" $? 0
wait_state $RELAY "out hi" 1500; line_view $RELAY
expect "debugfs: relay line $RELAY closed after the credit" "$STATE" "out hi"
expect "status after credit: relay on" "$(status_of main.relay)" on

# 4. The init script stops the daemon: the relay is driven open before the exit (the trace), and
# the line is released (gone from debugfs, which lists only requested lines).
trace_start
out=$($INITD stop 2>&1); rc=$?
expect "/etc/init.d/tanglemeter stop exits 0" "$rc" 0
echo "  ($out)"
expect "stop: the trace shows the relay driven open (0), then the exit" "$(last_drive_then_exit)" "set 0 then exit"
line_view $RELAY
expect "stop: relay line $RELAY released (no consumer)" "$CONSUMER" ""
line_view $LED
expect "stop: LED line $LED released (no consumer)" "$CONSUMER" ""
$INITD status > /dev/null; expect "init script status after stop: not running (3)" $? 3

# 5. Started again by the init script: the journal's credit closes the relay again.
$INITD start > /tmp/start2.out 2>&1; expect "second start exits 0" $? 0
wait_state $RELAY "out hi" 1500; line_view $RELAY
expect "restart: the journal's credit closes relay line $RELAY" "$STATE" "out hi"
echo "  gpioinfo (libgpiod 2 syntax) while the daemon runs: $(gpioinfo -c gpiochip0 $RELAY)"
gpioinfo -c gpiochip0 $RELAY | grep -qE 'output consumer="?tanglemeter"?$'
expect "gpioinfo -c gpiochip0 $RELAY: an output of consumer tanglemeter" $? 0

# 6. kill -9 with the relay closed: the daemon drives nothing before it dies (the trace) and the
# kernel releases its lines. What the line then does is the GPIO driver's business: this one, like
# a Raspberry Pi kernel without dtparam=strict_gpiod, keeps a released output at its last level —
# printed, not asserted, as only the watchdog (DESIGN §3.2) can help there.
DPID=$(cat $PIDFILE)
trace_start
kill -9 $DPID
now; d=$((NOW + 1000)); while kill -0 $DPID 2>/dev/null; do now; [ $NOW -ge $d ] && break; usleep 50000; done
expect "kill -9: the trace shows the exit and no relay drive before it" "$(last_drive_then_exit)" " then exit"
line_view $RELAY
expect "kill -9: the kernel released relay line $RELAY (no consumer)" "$CONSUMER" ""
echo "  after kill -9: $(gpioinfo -c gpiochip0 $RELAY); its level, read as-is: $(gpioget -a --numeric -c gpiochip0 $RELAY)"
$INITD status > /dev/null; expect "init script status after kill -9: not running (3), the pidfile stale" $? 3
$INITD start > /tmp/start3.out 2>&1; expect "start after kill -9 (stale pidfile) exits 0" $? 0
wait_state $RELAY "out hi" 1500; line_view $RELAY
expect "after kill -9 and start: relay line $RELAY closed again from the journal" "$STATE" "out hi"
$INITD stop > /dev/null 2>&1; line_view $RELAY
expect "last stop releases the relay line" "$CONSUMER" ""
echo "  after stop: $(gpioinfo -c gpiochip0 $RELAY); its level, read as-is: $(gpioget -a --numeric -c gpiochip0 $RELAY)"

finish
