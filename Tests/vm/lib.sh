# Shared by the scripts run INSIDE the VM of Tests/vm/gpio-vm.sh (tests.sh, watchdog.sh): PASS/FAIL
# counting, time and levels read from the kernel, the gpio trace, the header chip, a meter-sim on a
# pty and daemons with their configurations. The caller sets T (its scratch folder) and sources it.

RELAY=17
LED=27
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
# The kernel's line $1 in /sys/kernel/debug/gpio: " gpio-N (NAME|CONSUMER) out lo [ACTIVE LOW]".
kline() { grep -E "^ *gpio-$((BASE + $1)) " /sys/kernel/debug/gpio; }
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

. "$(dirname "$0")/trace.sh"

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

# conf NAME JOURNAL CHIP ACTIVE_LOW [GLOBAL_LINES]: writes $T/NAME.conf (socket $T/NAME.sock).
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
${5:-}
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

