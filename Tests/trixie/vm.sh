#!/usr/bin/env bash
# A minimal Raspberry Pi OS–like image: Debian trixie's arm64 kernel and runtime libraries
# (Tests/trixie/sysroot.sh) with BusyBox as init, booted under qemu-system-aarch64 (-M virt). The
# aarch64 firmware is installed as a user would (/usr/sbin/tanglemeter, /etc/init.d/tanglemeter,
# /etc/tanglemeter.conf) and drives the virt board's PL061 GPIO chip with the gpiod backend; the
# aarch64 meter-sim serves it on a pty. At boot, init starts meter-sim, then runs
# `/etc/init.d/tanglemeter start`, then the checks of Tests/trixie/vm-tests.sh.
#
# usage: vm.sh [--bin DIR] [--run 'COMMAND']
#   --bin  the aarch64 binaries (tanglemeter, meter-sim); default build/aarch64
#   --run  what init runs after the start (busybox sh, cwd /opt); default 'sh tests.sh'
# Prints the console, then "trixie-vm: boot B s, run R s, total T s" (B: QEMU start to init's
# first line; R: init's first line to the exit marker). Exit status: COMMAND's, printed inside as
# "VM-EXIT n"; 124 on timeout ($VM_TIMEOUT s, default 300); 125 if the VM printed no exit marker.
# Cache: $TANGLEMETER_TRIXIE_CACHE (default /var/cache/tanglemeter-trixie), see sysroot.sh; the
# sysroot's initramfs half is kept there too (initrd-base.cpio), the last console in console.log.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); REPO=$(cd "$HERE/../.." && pwd)
BIN=$REPO/build/aarch64; CMD='sh tests.sh'
while [ $# -gt 0 ]; do
  case $1 in
    --bin) BIN=$(realpath "$2"); shift 2 ;;
    --run) CMD=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/s/^# \{0,1\}//p' "$0" | grep -v '^set'; exit 0 ;;
    *) echo "vm.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for f in tanglemeter meter-sim; do [ -x "$BIN/$f" ] || { echo "vm.sh: $BIN/$f missing (make firmware-aarch64)" >&2; exit 2; }; done
command -v qemu-system-aarch64 >/dev/null || { echo "vm.sh: qemu-system-aarch64 missing (make deps: qemu-system-arm)" >&2; exit 2; }
CACHE=$(bash "$HERE/sysroot.sh")
log() { echo "[trixie-vm] $*" >&2; }

# --- the initramfs: two concatenated cpio archives (the kernel unpacks both) ----------------------
# The sysroot half is built once; iconv's modules (gconv, 20 MB) and the qemu-user binary stay out.
BASE=$CACHE/initrd-base.cpio
if [ ! "$BASE" -nt "$CACHE/sysroot/.complete" ]; then
  log "packing the sysroot into $BASE"
  (cd "$CACHE/sysroot" && find . -path ./usr/lib/aarch64-linux-gnu/gconv -prune -o ! -name qemu-aarch64-static ! -name .complete -print |
     cpio -o -H newc -R 0:0 --quiet) > "$BASE.tmp.$$"
  mv "$BASE.tmp.$$" "$BASE"
fi
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
R=$W/root; mkdir -p "$R"/{usr/sbin,usr/bin,etc/init.d,opt,var/lib}
cp "$BIN/tanglemeter" "$R/usr/sbin/"; cp "$BIN/meter-sim" "$R/usr/bin/"
cp "$REPO/etc/init.d/tanglemeter" "$R/etc/init.d/"; chmod 755 "$R/etc/init.d/tanglemeter"
cp "$HERE/vm.conf" "$R/etc/tanglemeter.conf"
cp "$HERE/vm-tests.sh" "$R/opt/tests.sh"; cp "$REPO/Tests/vm/trace.sh" "$R/opt/trace.sh"
printf '%s\n' "$CMD" > "$R/opt/run.cmd"
# libgpiod3's upstream version ("libgpiod3 2.2.1-2+deb13u1 arm64" → 2.2.1): what status must name.
sed -n 's/^libgpiod3 \([^-]*\)-.*/\1/p' "$CACHE/packages.txt" > "$R/opt/libgpiod-version"
cat > "$R/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc && /bin/busybox --install -s /usr/bin
export PATH=/usr/sbin:/usr/bin
echo "VM-INIT $(cut -d' ' -f1 /proc/uptime)"
mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp; mount -t tmpfs run /run
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t debugfs none /sys/kernel/debug; mount -t tracefs none /sys/kernel/tracing 2>/dev/null
exec </dev/console >/dev/console 2>&1
echo "VM-BOOT $(uname -r) $(cut -d' ' -f1 /proc/uptime)"
# The meter on a pty, fed by a fifo that init keeps open (meter-sim reads commands on stdin).
mkfifo /run/sim.in
meter-sim --link /run/ttySIM --power 0 --energy 0 < /run/sim.in > /run/sim.out 2>&1 &
echo $! > /run/meter-sim.pid
exec 3> /run/sim.in
i=0; until grep -q '^ready' /run/sim.out || [ $i -ge 300 ]; do usleep 50000; i=$((i + 1)); done
# What a Pi's init does at boot: the project's own init script.
/etc/init.d/tanglemeter start > /run/initd-start.out 2>&1; echo $? > /run/initd-start.rc
cd /opt; sh /opt/run.cmd; rc=$?
echo "VM-EXIT $rc $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
INIT
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc -R 0:0 --quiet) > "$W/overlay.cpio"
cat "$BASE" "$W/overlay.cpio" > "$W/initrd"

# --- boot: TCG, one CPU; -nic none (else QEMU looks for efi-virtio.rom) -------------------------
log "booting $(cat "$CACHE/kver") (-M virt -cpu cortex-a72)"
t0=$EPOCHREALTIME; tboot=; texit=
set +e
timeout "${VM_TIMEOUT:-300}" qemu-system-aarch64 -M virt -cpu cortex-a72 -m 1024 -smp 1 -nic none \
  -display none -monitor none -serial stdio -no-reboot \
  -kernel "$CACHE/vmlinuz" -initrd "$W/initrd" -append "console=ttyAMA0 panic=-1 ${VM_KERNEL_ARGS-quiet}" \
  </dev/null | sed -u 's/\r$//' | tee "$W/console.log" | while IFS= read -r line; do
    case $line in VM-INIT*) echo "$EPOCHREALTIME" > "$W/t.boot" ;; VM-EXIT*) echo "$EPOCHREALTIME" > "$W/t.exit" ;; esac
    printf '%s\n' "$line"
  done
st=${PIPESTATUS[0]}; t1=$EPOCHREALTIME
cp "$W/console.log" "$CACHE/console.log"
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
tboot=$(cat "$W/t.boot" 2>/dev/null || echo "$t1"); texit=$(cat "$W/t.exit" 2>/dev/null || echo "$t1")
echo "trixie-vm: boot $(secs "$t0" "$tboot") s, run $(secs "$tboot" "$texit") s, total $(secs "$t0" "$t1") s"
[ "$st" = 124 ] && { log "timeout after ${VM_TIMEOUT:-300} s"; exit 124; }
rc=$(sed -n 's/^VM-EXIT \([0-9]*\).*/\1/p' "$W/console.log" | tail -1)
exit "${rc:-125}"
