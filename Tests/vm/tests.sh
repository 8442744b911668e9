#!/bin/sh
# tanglemeter's gpiod backend on real kernel GPIO chips (gpio-sim), run INSIDE the VM of
# Tests/vm/gpio-vm.sh by busybox sh:
#   gpio-vm.sh --chip decoy-a:8 --chip decoy-b:8 --chip pinctrl-rp1:32 --libgpiod v1|v2 \
#     --add build/tanglemeter --add build/meter-sim --add Tests/vm/lib.sh --add Tests/vm/trace.sh --add Tests/vm/tests.sh --run 'sh tests.sh'
# The same tests pass with either libgpiod the firmware may load (LIBGPIOD_VERSION names it). The
# header chip must be the last one given and labelled pinctrl-*. Every level asserted is read from
# the kernel (sim_gpioN/value, /sys/kernel/debug/gpio, the gpio trace events), never from the daemon.
# Prints PASS/FAIL lines and a final "N passed, M failed"; exits 1 on any failure.

T=/tmp/tm
. "$(dirname "$0")/lib.sh"

# 1. Claimed inactive: a pull-up makes the released line read 1 before the daemon starts.
echo pull-up > $SIM/sim_gpio$RELAY/pull
lvl $RELAY; expect "relay line reads its pull-up before the daemon" "$L" 1
conf a a auto no
start a || exit 1
lvl $RELAY; expect "gpio.chip=auto finds $LABEL ($CHIP) and claims the relay open" "$L" 0
lvl $LED; expect "LED off without credit" "$L" 0
kline $RELAY | grep -q '|tanglemeter *) out'
expect "kernel: relay line $RELAY is an output of consumer tanglemeter" $? 0
kline $LED | grep -q '|tanglemeter *) out'
expect "kernel: LED line $LED is an output of consumer tanglemeter" $? 0
expect "status: gpio names the libgpiod in use" "$(q status | sed -n 's/^gpio //p')" "libgpiod-$LIBGPIOD_VERSION"
grep -q "with libgpiod-$LIBGPIOD_VERSION" $T/a.log
expect "start-up log names chip and libgpiod" $? 0

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
kline $RELAY | grep -q 'ACTIVE LOW'
expect "active_low: the kernel knows the line is active-low" $? 0
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
