# The kernel's gpio trace events, shared by the scripts run INSIDE the test VMs (Tests/vm/lib.sh
# for the gpio-sim VM, Tests/trixie/vm-tests.sh for the trixie VM): what a process drove, as the
# kernel recorded it, never the daemon's own word. The caller sets BASE (the chip's first global
# line number), RELAY (the relay's offset) and DPID (the daemon's pid) and sources this file.

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
