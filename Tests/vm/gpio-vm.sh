#!/usr/bin/env bash
# Boots Debian 12's own kernel under QEMU (software emulation) with real kernel GPIO chips from the
# gpio-sim driver, and runs a command inside against them. tanglemeter's gpiod backend is tested
# here: this machine's kernel has no GPIO chips, a Raspberry Pi's does.
#
# usage: gpio-vm.sh [--chip LABEL:LINES]... [--libgpiod v1|v2|none] [--watchdog] [--add FILE|DIR]...
#                   [--run 'COMMAND']
#   --chip      a gpio-sim chip with that label and line count, created in the order given (so decoys
#               given first take the low gpiochip numbers); default one chip "pinctrl-rp1:32"
#   --libgpiod  which libgpiod the VM has, the firmware dlopen()ing whichever it finds (default v1):
#               v1   Debian 12's libgpiod2 (libgpiod.so.2) and its gpiod 1.6 tools, from this machine;
#               v2   bookworm-backports' libgpiod3 (libgpiod.so.3, libgpiod 2.x), unpacked from its .deb
#                    (fetched by debs.sh into the cache, never installed here), and no tools;
#               none no libgpiod at all. The VM gets LIBGPIOD_VERSION (e.g. 2.1.3, or none).
#   --watchdog  an emulated i6300ESB watchdog at /dev/watchdog (modules watchdog.ko and i6300esb.ko
#               from the kernel package) whose expiry powers the VM off
#   --add       copied to /opt/add in the VM (on PATH, COMMAND's cwd) with every shared library the
#               ELF files in it need (found with ldd; run the x86_64 firmware, not the aarch64 one)
#   --run       shell command run by busybox sh in the VM once the chips are live. Environment:
#               GPIO_CHIPS "LABEL=gpiochipN ..." in creation order; GPIO_SIM_<i> the sysfs folder of
#               chip i (sim_gpioK/value = line K's level as the kernel sees it; sim_gpioK/pull takes
#               pull-up|pull-down); LIBGPIOD_VERSION
# Cache: kernel, modules, .debs and the last console log in $TANGLEMETER_VM_CACHE
#        (default /var/cache/tanglemeter-gpio-vm), reused across runs and clones.
# Exit status: COMMAND's (printed inside as "VM-EXIT n"); 124 on timeout ($VM_TIMEOUT s, default
# 300); 125 if the VM never printed its exit marker. A COMMAND that expects the watchdog to power
# the VM off prints "VM-EXPECT-POWEROFF MIN MAX RC" first: if the VM then powers off without another
# marker between MIN and MAX seconds later (measured here, on the console's arrival times), the
# status is RC; 126 if it powered off too early or too late.
set -euo pipefail

CACHE=${TANGLEMETER_VM_CACHE:-/var/cache/tanglemeter-gpio-vm}
CHIPS=(); CMD=true; ADD=(); LIBGPIOD=v1; WATCHDOG=no
while [ $# -gt 0 ]; do
  case $1 in
    --chip) CHIPS+=("$2"); shift 2 ;;
    --libgpiod) LIBGPIOD=$2; shift 2 ;;
    --watchdog) WATCHDOG=yes; shift ;;
    --add) ADD+=("$(realpath "$2")"); shift 2 ;;
    --run) CMD=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/s/^# \{0,1\}//p' "$0" | grep -v '^set'; exit 0 ;;
    *) echo "gpio-vm.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#CHIPS[@]} -gt 0 ] || CHIPS=("pinctrl-rp1:32")
case $LIBGPIOD in v1|v2|none) ;; *) echo "gpio-vm.sh: --libgpiod takes v1, v2 or none" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$CACHE"
log() { echo "[gpio-vm] $*" >&2; }
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}

# --- host packages: the same kernel ABI as Debian 12's current image ------------------------
KVER=$(cat "$CACHE/kver" 2>/dev/null || true)
if [ -z "$KVER" ]; then
  KVER=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-//p' | head -1)
  [ -n "$KVER" ] || { apt-get update -qq >/dev/null; KVER=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-//p' | head -1); }
  echo "$KVER" > "$CACHE/kver"
fi
PKGS="qemu-system-x86 busybox-static gpiod cpio make xz-utils linux-headers-$KVER"
dpkg -s $PKGS >/dev/null 2>&1 || { log "installing $PKGS"; apt_install $PKGS; }

# --- kernel, modules and gpio-sim.ko, fetched and built once per kernel ABI -----------------------
# Debian's kernels lack CONFIG_GPIO_SIM and CONFIG_IRQ_SIM, so the driver is built out of tree from
# the kernel's own source package, with irq_sim.c linked into the module.
K=$CACHE/$KVER; mkdir -p "$K"
MODULES="configfs watchdog i6300esb"
have_image() { [ -f "$K/vmlinuz" ] && for m in $MODULES; do [ -f "$K/$m.ko" ] || return 1; done; }
if ! have_image; then
  T=$(mktemp -d "$K/image.XXXXXX"); cd "$T"
  log "downloading linux-image-$KVER"
  apt-get download "linux-image-$KVER" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null; apt-get download "linux-image-$KVER" >/dev/null; }
  dpkg-deb -x linux-image-"$KVER"_*.deb img
  for m in $MODULES; do
    f=$(find img -name "$m.ko" -o -name "$m.ko.xz" | head -1)
    case $f in *.xz) xz -dc "$f" > "$K/$m.ko.new" ;; *) cp "$f" "$K/$m.ko.new" ;; esac
    mv "$K/$m.ko.new" "$K/$m.ko"
  done
  cp img/boot/vmlinuz-* "$K/vmlinuz.new"; mv "$K/vmlinuz.new" "$K/vmlinuz"
  cd "$K"; rm -rf "$T"
fi
if [ ! -f "$K/gpio-sim.ko" ]; then
  T=$(mktemp -d "$K/build.XXXXXX"); cd "$T"; mkdir mod
  SRC=linux-source-$(echo "$KVER" | cut -d. -f1,2)=$(apt-cache show "linux-image-$KVER" | sed -n 's/^Version: //p' | head -1)
  log "downloading $SRC"
  apt-get download "$SRC" >/dev/null 2>&1 || { apt-get update -qq >/dev/null; apt-get download "$SRC" >/dev/null; }
  log "building gpio-sim.ko"
  dpkg-deb --fsys-tarfile linux-source-*.deb | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' | xz -dc |
    tar -x --strip-components=1 -C mod --wildcards '*/drivers/gpio/gpio-sim.c' '*/drivers/gpio/gpiolib.h' '*/kernel/irq/irq_sim.c'
  cd mod; mv drivers/gpio/gpio-sim.c sim_main.c; mv drivers/gpio/gpiolib.h kernel/irq/irq_sim.c .
  # irq_to_desc() is not exported to modules; generic_handle_irq() does the same here.
  sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' irq_sim.c
  printf 'obj-m := gpio-sim.o\ngpio-sim-y := sim_main.o irq_sim.o\n' > Kbuild
  make -s -C "/lib/modules/$KVER/build" M="$PWD" modules >&2
  strip --strip-debug gpio-sim.ko; cp gpio-sim.ko "$K/gpio-sim.ko.new"; mv "$K/gpio-sim.ko.new" "$K/gpio-sim.ko"
  cd "$K"; rm -rf "$T"
fi
# libgpiod 2.x for --libgpiod v2: bookworm-backports' amd64 build, cached with the other downloads.
if [ "$LIBGPIOD" = v2 ]; then
  V2_DEB=$(bash "$HERE/debs.sh" bookworm-backports amd64 "$CACHE/debs/bookworm-backports-amd64" libgpiod3)
fi

# --- initramfs: busybox, libgpiod tools, the files under test and their libraries -------------
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
R=$W/root; mkdir -p "$R"/{proc,sys,dev,tmp,run,etc,opt/add,usr/bin,usr/lib,lib/modules}
for d in bin sbin lib64; do if [ -L /$d ]; then ln -s "$(readlink /$d)" "$R/$d"; else mkdir -p "$R/$d"; fi; done
with_libs() {
  ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
    dst=$R$(realpath "$(dirname "$lib")")/$(basename "$lib")
    [ -e "$dst" ] || { mkdir -p "$(dirname "$dst")"; cp -L "$lib" "$dst"; }
  done || true
}
case $LIBGPIOD in
  v1) for f in gpiodetect gpioinfo gpioget gpioset gpiomon gpiofind; do cp /usr/bin/$f "$R/usr/bin/"; with_libs /usr/bin/$f; done
      VERSION=$(dpkg-query -W -f '${Version}\n' "libgpiod2:$(dpkg --print-architecture)" | sed 's/-[^-]*$//') ;;
  v2) dpkg-deb -x "$V2_DEB" "$R"; rm -rf "$R/usr/share"
      VERSION=$(basename "$V2_DEB" | sed 's/^libgpiod3_\([0-9.]*\).*/\1/') ;;
  none) VERSION=none ;;
esac
cp /bin/busybox "$R/usr/bin/busybox"
cp "$K/configfs.ko" "$K/gpio-sim.ko" "$R/lib/modules/"
[ $WATCHDOG = yes ] && cp "$K/watchdog.ko" "$K/i6300esb.ko" "$R/lib/modules/"
for a in "${ADD[@]}"; do
  cp -a "$a" "$R/opt/add/"
  find "$a" -type f | while read -r f; do with_libs "$f"; done
done
# Only the libgpiod asked for: the firmware links none, so nothing above may have brought another.
found=$(cd "$R" && find . -name 'libgpiod.so*' | sort | tr '\n' ' ')
log "libgpiod $LIBGPIOD ($VERSION): ${found:-no libgpiod in the VM}"
case $LIBGPIOD in
  v1) want='libgpiod.so.2' ;; v2) want='libgpiod.so.3' ;; none) want='^$' ;;
esac
other=$(printf '%s\n' $found | grep -v "$want" | grep . || true)
[ -z "$other" ] || { log "unexpected libraries for --libgpiod $LIBGPIOD: $other"; exit 2; }
echo "$VERSION" > "$R/opt/libgpiod"
printf '%s\n' "$CMD" > "$R/opt/run.cmd"
printf '%s\n' "${CHIPS[@]}" > "$R/opt/chips"
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"; echo 'root:x:0:' > "$R/etc/group"
cat > "$R/init" <<'INIT'
#!/usr/bin/busybox sh
/usr/bin/busybox mount -t proc proc /proc && /usr/bin/busybox --install -s /usr/bin
export PATH=/opt/add:/usr/bin:/usr/sbin
mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp; mount -t tmpfs run /run
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
exec </dev/console >/dev/console 2>&1
insmod /lib/modules/configfs.ko && mount -t configfs none /sys/kernel/config
insmod /lib/modules/gpio-sim.ko
[ -f /lib/modules/i6300esb.ko ] && insmod /lib/modules/watchdog.ko && insmod /lib/modules/i6300esb.ko
export LIBGPIOD_VERSION=$(cat /opt/libgpiod)
i=0; GPIO_CHIPS=
while IFS=: read -r label lines; do
  C=/sys/kernel/config/gpio-sim/chip$i; mkdir -p $C/bank0
  echo "$lines" > $C/bank0/num_lines; echo "$label" > $C/bank0/label; echo 1 > $C/live
  name=$(cat $C/bank0/chip_name)
  export GPIO_SIM_$i=/sys/devices/platform/$(cat $C/dev_name)/$name
  GPIO_CHIPS="$GPIO_CHIPS $label=$name"; i=$((i+1))
done < /opt/chips
export GPIO_CHIPS=${GPIO_CHIPS# }
echo "VM-BOOT $(uname -r) $GPIO_CHIPS"
cd /opt/add; sh /opt/run.cmd; rc=$?
echo "VM-EXIT $rc"
poweroff -f
INIT
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$W/initrd.gz"

# --- boot: TCG (nested KVM does not work here) ------------------------------------------------
# QEMU's default watchdog action is a reset (with -no-reboot: an exit that looks like any other), so
# the action is a power-off, and this side times each console line to measure when it came.
WD=(); [ $WATCHDOG = yes ] && WD=(-device i6300esb -action watchdog=poweroff)
log "booting $KVER"
set +e
timeout "${VM_TIMEOUT:-300}" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 1 \
  -display none -monitor none -serial stdio -no-reboot "${WD[@]}" \
  -kernel "$K/vmlinuz" -initrd "$W/initrd.gz" -append "console=ttyS0 panic=-1 quiet" \
  </dev/null | sed -u 's/\r$//' | while IFS= read -r line; do
    printf '%s\n' "$line"; printf '%s %s\n' "$EPOCHREALTIME" "$line" >> "$W/timed.log"
  done | tee "$W/console.log"
st=${PIPESTATUS[0]}; end=$EPOCHREALTIME; cp "$W/console.log" "$CACHE/console.log"
[ "$st" = 124 ] && { log "timeout after ${VM_TIMEOUT:-300} s"; exit 124; }
last=$(grep -E '^[0-9.]+ VM-(EXIT|EXPECT-POWEROFF) ' "$W/timed.log" | tail -1)
case $last in
  *VM-EXIT*) exit "$(echo "$last" | awk '{print $3}')" ;;
  *VM-EXPECT-POWEROFF*)
    # "TIME VM-EXPECT-POWEROFF MIN MAX RC": the watchdog's power-off, within [MIN, MAX] seconds.
    set -- $last
    ok=$(awk -v t="$1" -v e="$end" -v lo="$3" -v hi="$4" 'BEGIN { d = e - t; printf "%.2f %d", d, (d >= lo && d <= hi) }')
    log "powered off ${ok% *} s after VM-EXPECT-POWEROFF (expected $3…$4 s)"
    [ "${ok#* }" = 1 ] && exit "$5"
    exit 126 ;;
esac
exit 125
