#!/bin/sh
# Run INSIDE the VM of Tests/vm/gpio-vm.sh --libgpiod none: a machine without libgpiod. The gpiod
# backend exits 1 naming the packages to install; the sim backend and --check never need libgpiod.
T=/tmp/nolib
. "$(dirname "$0")/lib.sh"

[ -z "$(find / -xdev -name 'libgpiod.so*' 2>/dev/null)" ]; expect "no libgpiod anywhere in the VM" $? 0
conf g g auto no
tanglemeter -c $T/g.conf > $T/g.log 2>&1; rc=$?
cat $T/g.log
expect "gpio.backend = gpiod without libgpiod: exit 1" $rc 1
grep -q "libgpiod is not installed (neither libgpiod.so.3 nor libgpiod.so.2 could be loaded)" $T/g.log
expect "the error says libgpiod is missing" $? 0
grep -q "sudo apt-get install gpiod (it pulls the right one: libgpiod3 on Raspberry Pi OS trixie or Debian 13, libgpiod2 on bookworm or Debian 12)" $T/g.log
expect "and names the packages" $? 0
tanglemeter -c $T/g.conf --check > $T/check.log 2>&1
expect "--check does not need libgpiod" $? 0
conf s s auto no "gpio.sim_dir = $T/gpio"
sed -i 's/^gpio.backend = gpiod/gpio.backend = sim/' $T/s.conf
if start s; then
  expect "the sim backend runs without libgpiod: status gpio" "$(q status | sed -n 's/^gpio //p')" sim
  expect "status: watchdog off" "$(q status | sed -n 's/^watchdog //p')" off
  stop
else fail "the sim backend starts without libgpiod" exit running; fi

exec 3>&-
kill $SIM_PID 2>/dev/null
echo "$PASSED passed, $FAILED failed"
[ $FAILED = 0 ]
