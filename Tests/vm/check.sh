#!/usr/bin/env bash
# `make check-gpio`: the firmware's gpiod backend and watchdog on real kernels, in three boots of
# Tests/vm/gpio-vm.sh (Debian 12's kernel under QEMU, gpio-sim chips, an i6300ESB watchdog):
#   1. only Debian 12's libgpiod 1.6 (libgpiod.so.2): tests.sh, then watchdog.sh term and kill -9;
#   2. only libgpiod 2.x (bookworm-backports' libgpiod.so.3): tests.sh, then watchdog.sh SIGSTOP;
#   3. no libgpiod at all: no-libgpiod.sh.
# Each boot has a hard timeout (VM_TIMEOUT, default 300 s). Prints each boot's exit status, boot
# time (QEMU start to the VM's first line of its own) and run time, then "N passed, M failed" over
# every test line and every boot (a boot that fails without a failed test line counts as one).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ADD=(--add build/tanglemeter --add build/meter-sim --add Tests/vm/lib.sh --add Tests/vm/trace.sh --add Tests/vm/tests.sh
     --add Tests/vm/watchdog.sh --add Tests/vm/no-libgpiod.sh)
CHIPS=(--chip decoy-a:8 --chip decoy-b:8 --chip pinctrl-rp1:32)
passed=0 failed=0 summary=()

boot() {  # NAME gpio-vm.sh ARGS...
  local name=$1 log st started booted ended p f
  shift
  log=$(mktemp); started=$EPOCHREALTIME; booted=
  bash Tests/vm/gpio-vm.sh "$@" 2>&1 | while IFS= read -r line; do
    printf '%s\n' "$line"
    case $line in "[gpio-vm] booting"*) echo "qemu $EPOCHREALTIME" ;; VM-BOOT*) echo "boot $EPOCHREALTIME" ;; esac >> "$log.times"
  done | tee "$log"
  st=${PIPESTATUS[0]}; ended=$EPOCHREALTIME
  p=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | awk '{ n += $1 } END { print n + 0 }')
  f=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | awk '{ n += $3 } END { print n + 0 }')
  if [ "$st" = 0 ]; then p=$((p + 1)); elif [ "$f" = 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  summary+=("$(awk -v n="$name" -v s="$st" -v a="$started" -v e="$ended" '
    $1 == "qemu" { q = $2 } $1 == "boot" { b = $2 }
    END { printf "check-gpio: %-44s exit %3d  boot %5.1f s  total %5.1f s", n, s, (b && q ? b - q : -1), e - a }' "$log.times")")
  rm -f "$log" "$log.times"
}

boot "libgpiod 1.6 + watchdog SIGTERM, kill -9" "${CHIPS[@]}" --libgpiod v1 --watchdog "${ADD[@]}" \
  --run 'sh tests.sh; sh watchdog.sh term kill --prior $?'
boot "libgpiod 2.x + watchdog SIGSTOP" "${CHIPS[@]}" --libgpiod v2 --watchdog "${ADD[@]}" \
  --run 'sh tests.sh; sh watchdog.sh stop --prior $?'
boot "no libgpiod" --libgpiod none "${ADD[@]}" --run 'sh no-libgpiod.sh'

printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
