#!/bin/sh
# tanglemeter's gpiod backend on real kernel GPIO chips (gpio-sim), run INSIDE the VM of
# Tests/vm/gpio-vm.sh by busybox sh:
#   gpio-vm.sh --chip decoy-a:8 --chip decoy-b:8 --chip pinctrl-rp1:32 \
#     --add build/tanglemeter --add build/meter-sim --add Tests/vm/tests.sh --run 'sh tests.sh'
# The header chip must be the last one given and labelled pinctrl-*. Every level asserted is read
# from the kernel (sim_gpioN/value, gpioinfo, the gpio trace events), never from the daemon.
# Prints PASS/FAIL lines and a final "N passed, M failed"; exits 1 on any failure.

RELAY=17
LED=27
T=/tmp/tm
rm -rf $T; mkdir -p $T
PASSED=0; FAILED=0
pass() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1: got $2 want $3"; FAILED=$((FAILED + 1)); }
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "$2" "$3"; fi; }

# --- time, levels, waiting ------------------------------------------------------------------
# NOW: centiseconds since boot, without forking (busybox date has no sub-second format).
now() { read up _ < /proc/uptime; f=${up#*.}; NOW=$((${up%.*} * 100 + ${f#0})); }
# L: the level of line $1 as the kernel sees it.
lvl() { read L < "$SIM/sim_gpio$1/value"; }
# wait_level LINE LEVEL CENTISECONDS: 0 once the line reads LEVEL, 1 at the deadline.
wait_level() {
  now; d=$((NOW + $3))
  while lvl "$1"; [ "$L" != "$2" ]; do now; [ "$NOW" -ge "$d" ] && return 1; usleep 20000; done
}
# wait_exit PID CENTISECONDS: 0 once the process is gone.
wait_exit() {
  now; d=$((NOW + $2))
  while kill -0 "$1" 2>/dev/null; do now; [ "$NOW" -ge "$d" ] && return 1; usleep 20000; done
}
# sample LINE CENTISECONDS: reads the line about every 20 ms; sets TOGGLES, HIGHS, SAMPLES, MHZ
# (the blink frequency in millihertz: two toggles per period).
sample() {
  now; start=$NOW; d=$((NOW + $2)); TOGGLES=0; HIGHS=0; SAMPLES=0; lvl "$1"; prev=$L
  while now; [ "$NOW" -lt "$d" ]; do
    lvl "$1"; SAMPLES=$((SAMPLES + 1))
    [ "$L" = 1 ] && HIGHS=$((HIGHS + 1))
    [ "$L" != "$prev" ] && TOGGLES=$((TOGGLES + 1)); prev=$L
    usleep 20000
  done
  MHZ=$((TOGGLES * 50000 / (NOW - start)))
}
# within NAME VALUE LOW HIGH
within() {
  if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then pass "$1"; else fail "$1" "$2" "$3..$4"; fi
}

# The kernel's own record of every level a process drives: the gpio trace events.
TR=/sys/kernel/tracing
trace_start() {
  echo 0 > $TR/tracing_on; echo > $TR/trace
  echo 1 > $TR/events/gpio/gpio_value/enable; echo 1 > $TR/events/sched/sched_process_exit/enable
  echo 1 > $TR/tracing_on
}
# last_drive_then_exit: the daemon's last drive of the relay line before its exit, from the trace
# (lines "COMM-PID [cpu] flags ts: gpio_value: GPIO set LEVEL", LEVEL physical).
last_drive_then_exit() {
  echo 0 > $TR/tracing_on
  awk -v p="tanglemeter-$DPID" -v g=$((BASE + RELAY)) '
    $1 == p && /gpio_value:/ && $(NF-2) == g { last = "set " $NF }
    $1 == p && /sched_process_exit/ { print last " then exit" }' $TR/trace
}
# first_drive: the daemon's first drive of the relay line (its claim), from the trace.
first_drive() {
  awk -v p="tanglemeter-$DPID" -v g=$((BASE + RELAY)) '
    $1 == p && /gpio_value:/ && $(NF-2) == g { print "set " $NF; exit }' $TR/trace
}

# --- the header chip: the last one the harness created --------------------------------------
CFG=/sys/kernel/config/gpio-sim/chip$(($(ls -d /sys/kernel/config/gpio-sim/chip* | wc -l) - 1))
locate_chip() {
  CHIP=$(cat $CFG/bank0/chip_name)
  SIM=/sys/devices/platform/$(cat $CFG/dev_name)/$CHIP
  LABEL=$(cat $CFG/bank0/label)
  BASE=$(sed -n "s/^$CHIP: GPIOs \([0-9]*\)-.*/\1/p" /sys/kernel/debug/gpio)
}
relabel() { echo 0 > $CFG/live; echo "$1" > $CFG/bank0/label; echo 1 > $CFG/live; locate_chip; }
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t tracefs none $TR 2>/dev/null
locate_chip
echo "chips: $GPIO_CHIPS; header chip $CHIP ($LABEL), gpio base $BASE"

# --- the meter and the daemons --------------------------------------------------------------
mkfifo $T/sim.in
meter-sim --link $T/ttySIM --power 0 --energy 0 < $T/sim.in > $T/sim.out 2>&1 &
SIM_PID=$!
exec 3> $T/sim.in
meter() { echo "$*" >&3; }

# conf NAME JOURNAL CHIP ACTIVE_LOW: writes $T/NAME.conf (socket $T/NAME.sock).
conf() {
  cat > $T/$1.conf <<EOF
serial.device = $T/ttySIM
serial.timeout = 200ms
poll.interval = 200ms
socket.path = $T/$1.sock
socket.mode = 0666
journal.path = $T/$2/journal
journal.checkpoint = 1s
gpio.backend = gpiod
gpio.chip = $3
meter.fault_timeout = 1s
[meter main]
modbus.address = 1
relay.line = $RELAY
relay.active_low = $4
led.line = $LED
tariff = 1000 IOTA/kWh
EOF
}
q() { tanglemeter -c $T/$CONF.conf query "$@"; }
# start NAME: runs the daemon of $T/NAME.conf in the background (DPID), waits for its socket.
start() {
  CONF=$1
  tanglemeter -c $T/$1.conf > $T/$1.log 2>&1 &
  DPID=$!
  now; d=$((NOW + 1000))
  until q version > /dev/null 2>&1; do
    kill -0 $DPID 2>/dev/null || { echo "daemon $1 died:"; cat $T/$1.log; return 1; }
    now; [ "$NOW" -ge "$d" ] && { echo "daemon $1 did not open its socket"; return 1; }
    usleep 50000
  done
}
stop() { kill -TERM $DPID; wait $DPID; }
status_of() { q status main | sed -n "s/^main\.$1 //p"; }

now; d=$((NOW + 1000))
until grep -q '^ready' $T/sim.out; do
  now; [ "$NOW" -ge "$d" ] && { echo "meter-sim did not start:"; cat $T/sim.out; exit 1; }
  usleep 20000
done

# 1. Claimed inactive: a pull-up makes the released line read 1 before the daemon starts.
echo pull-up > $SIM/sim_gpio$RELAY/pull
lvl $RELAY; expect "relay line reads its pull-up before the daemon" "$L" 1
conf a a auto no
start a || exit 1
lvl $RELAY; expect "gpio.chip=auto finds $LABEL ($CHIP) and claims the relay open" "$L" 0
lvl $LED; expect "LED off without credit" "$L" 0
info=$(gpioinfo $CHIP)
echo "$info" | grep -E "line +$RELAY:" | grep -q '"tanglemeter" *output'
expect "gpioinfo: relay line $RELAY is an output of consumer tanglemeter" $? 0
echo "$info" | grep -E "line +$LED:" | grep -q '"tanglemeter" *output'
expect "gpioinfo: LED line $LED is an output of consumer tanglemeter" $? 0

# 2. The relay follows credit; the LED blinks slowly below low_credit (100 Wh = 100 IOTA here).
q credit main 1 IOTA > /dev/null
wait_level $RELAY 1 500; lvl $RELAY; expect "credit closes the relay (line 1)" "$L" 1
sample $LED 300
within "LED slow blink below low_credit (mHz)" $MHZ 700 1300
meter power 1 20000
wait_level $RELAY 0 1000; lvl $RELAY; expect "credit run out at 20 kW opens the relay (line 0)" "$L" 0
expect "reason after running out" "$(status_of reason)" no-credit
sample $LED 100
expect "LED off once the relay is open (toggles, highs)" "$TOGGLES,$HIGHS" 0,0
meter power 1 0
q credit main 1000 IOTA > /dev/null
wait_level $RELAY 1 500; lvl $RELAY; expect "a top-up closes the relay again" "$L" 1
sample $LED 150
expect "LED steady on above low_credit (toggles, all high)" "$TOGGLES,$HIGHS" "0,$SAMPLES"

# 3. A second daemon on the same lines: exit 2 with a clear error; the first keeps working.
conf b b auto no
tanglemeter -c $T/b.conf > $T/b.log 2>&1; rc=$?
expect "second daemon on the same lines exits 2" $rc 2
grep -q "line $RELAY of $CHIP is busy (used by 'tanglemeter')" $T/b.log
expect "second daemon says the line is busy and who holds it" $? 0
[ $rc = 2 ] || cat $T/b.log
lvl $RELAY; expect "first daemon's relay still closed" "$L" 1
expect "first daemon still answers" "$(status_of relay)" on

# 4. Meter fault: the relay opens after meter.fault_timeout and the LED blinks fast (4 Hz).
meter silent 1 on
wait_level $RELAY 0 500; lvl $RELAY; expect "silent meter opens the relay" "$L" 0
sample $LED 200
within "LED fast blink on meter fault (mHz)" $MHZ 3000 5000
meter silent 1 off
wait_level $RELAY 1 500; lvl $RELAY; expect "meter back: relay closed again" "$L" 1

# 5. Fail-safe on SIGTERM: the kernel's gpio trace shows the relay driven open (set 0) by the
# daemon before it exits; afterwards the released line reads its pull-up, so reading the level
# after exit could not have shown it.
trace_start
kill -TERM $DPID; wait $DPID; rc=$?
expect "SIGTERM: clean exit status" $rc 0
expect "SIGTERM: trace shows the relay driven open (0), then the exit" "$(last_drive_then_exit)" "set 0 then exit"
lvl $RELAY; expect "SIGTERM: released line falls to its pull-up afterwards" "$L" 1

# 6. kill -9: no drive at all; the kernel releases the line and it falls to its pull-down.
echo pull-down > $SIM/sim_gpio$RELAY/pull
start a || exit 1
wait_level $RELAY 1 500; lvl $RELAY; expect "restart: relay closed from the journal's credit" "$L" 1
trace_start
kill -9 $DPID; wait $DPID 2>/dev/null
expect "kill -9: the trace shows the exit and no relay drive before it" "$(last_drive_then_exit)" " then exit"
lvl $RELAY; expect "kill -9: line falls to its pull-down (relay open)" "$L" 0

# 7. relay.active_low = yes inverts the physical level (and the kernel knows it is active-low);
# SIGTERM drives such a relay open with a 1.
conf low a auto yes
trace_start
start low || exit 1
expect "active_low: the relay line is claimed open (first drive 1), though credit is due" "$(first_drive)" "set 1"
wait_level $RELAY 0 500; lvl $RELAY; expect "active_low: closed relay reads 0" "$L" 0
gpioinfo $CHIP | grep -E "line +$RELAY:" | grep -q 'active-low'
expect "active_low: gpioinfo shows the line active-low" $? 0
q relay main off > /dev/null
wait_level $RELAY 1 500; lvl $RELAY; expect "active_low: open relay reads 1" "$L" 1
q relay main auto > /dev/null
wait_level $RELAY 0 500; lvl $RELAY; expect "active_low: relay auto closes again (0)" "$L" 0
trace_start
kill -TERM $DPID; wait $DPID
expect "active_low: SIGTERM drives the relay open (1), then exits" "$(last_drive_then_exit)" "set 1 then exit"

# A line the chip does not have: a clear error naming chip and line.
conf bad bad auto no
sed -i "s/^relay.line = .*/relay.line = 99/" $T/bad.conf
tanglemeter -c $T/bad.conf > $T/bad.log 2>&1; rc=$?
grep -q "line 99 of $CHIP does not exist (the chip has 32 lines)" $T/bad.log
expect "relay.line beyond the chip: says which line and chip" $? 0
[ $rc != 0 ] && pass "relay.line beyond the chip: exits non-zero ($rc)" || fail "relay.line beyond the chip: exit status" $rc "non-zero"

# 8. gpio.chip given explicitly: a name, a path, a label.
for sel in "$CHIP" "/dev/$CHIP" "$LABEL"; do
  conf x a "$sel" no
  if start x; then
    wait_level $RELAY 1 500; lvl $RELAY; expect "gpio.chip = $sel drives the relay" "$L" 1
    stop
  else fail "gpio.chip = $sel starts" "exit" "running"; fi
done

# 9. auto on a Pi 4's label, then on no Pi at all; a device node that cannot be opened (no chip
# behind it) is listed and skipped, not fatal.
relabel pinctrl-bcm2711
mknod /dev/gpiochip99 c $(cut -d: -f1 /sys/bus/gpio/devices/$CHIP/dev) 99
conf a a auto no
if start a; then
  wait_level $RELAY 1 500; lvl $RELAY; expect "gpio.chip=auto finds pinctrl-bcm2711 ($CHIP)" "$L" 1
  stop
else fail "gpio.chip=auto with pinctrl-bcm2711 starts" "exit" "running"; fi
relabel not-a-pi
tanglemeter -c $T/a.conf > $T/none.log 2>&1; rc=$?
expect "no header chip: exit status" $rc 1
grep -q "gpiochip0 (decoy-a), gpiochip1 (decoy-b), $CHIP (not-a-pi), gpiochip99 (cannot open" $T/none.log
expect "no header chip: the error lists the chips seen, in number order" $? 0
cat $T/none.log

exec 3>&-
kill $SIM_PID 2>/dev/null
echo "$PASSED passed, $FAILED failed"
[ $FAILED = 0 ]
