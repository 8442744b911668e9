#!/usr/bin/env bash
# A Debian 13 "trixie" arm64 sysroot — what Raspberry Pi OS (64-bit) ships by default since
# 2025-10-01 — built from Debian's archive without touching this machine's own packages, plus
# trixie's arm64 kernel. Used by Tests/trixie/vm.sh (the sysroot becomes a VM's initramfs) and
# Tests/trixie/e2e-chroot.sh (the end-to-end suite in a chroot of it).
#
# usage: sysroot.sh        prints the cache folder once it holds:
#   sysroot/      libc6, libcurl4t64, libgpiod3, gpiod and everything they depend on (dpkg-deb -x, merged
#                 /usr as on trixie), trixie's static arm64 BusyBox as /usr/bin/busybox, and a copy
#                 of this machine's /usr/bin/qemu-aarch64-static as /qemu-aarch64-static
#   vmlinuz       trixie's arm64 kernel (linux-image-arm64's current ABI), kver its name
#   packages.txt  the packages and versions in sysroot/
# Cache: $TANGLEMETER_TRIXIE_CACHE (default /var/cache/tanglemeter-trixie): the apt state (apt/),
# the downloaded .debs (debs/, ~110 MB, most of it the kernel) and the above. Built once and reused
# when present (sysroot/.complete, which lists the packages asked for); delete the folder to refresh it from the archive.
# The apt state is a second one of its own (Dir::State, Dir::Cache, sources.list, arm64 only), so
# the build machine's apt configuration, package lists and dpkg database are left alone; its proxy
# settings in /etc/apt/apt.conf.d still apply. The mirror is the one this machine's sources use.
set -euo pipefail

CACHE=${TANGLEMETER_TRIXIE_CACHE:-/var/cache/tanglemeter-trixie}
# What the firmware needs, and the gpiod tools Raspberry Pi OS preinstalls (gpioinfo, gpioget in
# libgpiod 2's syntax). A change here rebuilds the sysroot: .complete records the list.
RUNTIME="libc6 libcurl4t64 libgpiod3 gpiod"
ready() { [ "$(cat "$CACHE/sysroot/.complete" 2>/dev/null)" = "$RUNTIME" ] && [ -f "$CACHE/vmlinuz" ]; }
log() { echo "[trixie] $*" >&2; }
mkdir -p "$CACHE"
if ready; then echo "$CACHE"; exit 0; fi

# Several stages may want the sysroot at once (make -j, two clones): one builds, the others wait.
exec 9> "$CACHE/.lock"; flock 9
if ready; then echo "$CACHE"; exit 0; fi
command -v qemu-aarch64-static >/dev/null || { log "qemu-aarch64-static missing: make deps"; exit 1; }

# --- the second apt state: trixie main, arm64 only --------------------------------------------
MIRROR=$(grep -hoE '(https?://[^ ]*/debian)/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
           /etc/apt/sources.list.d/*.list 2>/dev/null | head -1 | tr -d ' ' || true)
MIRROR=${MIRROR%/}; MIRROR=${MIRROR:-http://deb.debian.org/debian}
A=$CACHE/apt
mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial" "$A/etc/sources.list.d" "$A/etc/preferences.d"
touch "$A/state/status"   # an empty dpkg database: every dependency counts as missing
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main" > "$A/etc/sources.list"
APT=(-o "Dir::State=$A/state" -o "Dir::State::status=$A/state/status" -o "Dir::Cache=$A/cache"
     -o "Dir::Etc::sourcelist=$A/etc/sources.list" -o "Dir::Etc::sourceparts=$A/etc/sources.list.d"
     -o "Dir::Etc::preferencesparts=$A/etc/preferences.d"
     -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
log "apt-get update ($MIRROR trixie main, arm64)"
apt-get "${APT[@]}" -qq update >&2

# The runtime closure, as apt computes it for an empty system; the kernel and BusyBox by name only
# (the kernel's own dependencies — initramfs-tools, systemd — are not needed to boot it by -kernel).
KPKG=$(apt-cache "${APT[@]}" depends linux-image-arm64 | sed -n 's/.*Depends: \(linux-image-[^ ]*\)/\1/p' | head -1)
[ -n "$KPKG" ] || { log "no linux-image-arm64 in trixie?"; exit 1; }
mapfile -t PKGS < <(apt-get "${APT[@]}" -s install --no-install-recommends $RUNTIME | sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1=\2/p')
[ ${#PKGS[@]} -gt 0 ] || { log "apt computed no packages"; exit 1; }
D=$CACHE/debs; mkdir -p "$D"
log "downloading ${#PKGS[@]} packages, busybox-static and $KPKG"
(cd "$D" && apt-get "${APT[@]}" -qq download "${PKGS[@]}" busybox-static "$KPKG" >&2)

# --- unpack into a fresh folder, then move it into place ---------------------------------------
T=$(mktemp -d "$CACHE/build.XXXXXX"); trap 'rm -rf "$T"' EXIT
R=$T/sysroot; mkdir -p "$R/usr/bin" "$R/usr/sbin" "$R/usr/lib"
: > "$T/packages.txt"
BUSYBOX=$(apt-cache "${APT[@]}" policy busybox-static | sed -n 's/^ *Candidate: //p')
for p in "${PKGS[@]}" "busybox-static=$BUSYBOX"; do
  name=${p%%=*} ver=${p#*=}
  deb=$(find "$D" -name "${name}_${ver//:/%3a}_*.deb" | head -1)
  [ -n "$deb" ] || { log "no .deb for $p"; exit 1; }
  dpkg-deb -x "$deb" "$R"
  dpkg-deb --show --showformat='${Package} ${Version} ${Architecture}\n' "$deb" >> "$T/packages.txt"
done
# trixie is merged-/usr: /bin, /sbin, /lib are links into /usr (the ELF interpreter is
# /lib/ld-linux-aarch64.so.1). Some packages still ship files under the old paths.
for d in bin sbin lib; do
  if [ -d "$R/$d" ] && [ ! -L "$R/$d" ]; then cp -a "$R/$d/." "$R/usr/$d/"; rm -rf "${R:?}/$d"; fi
  ln -sfn "usr/$d" "$R/$d"
done
rm -rf "$R/usr/share/doc" "$R/usr/share/man" "$R/usr/share/locale" "$R/usr/share/lintian" "$R/usr/share/bug"
mkdir -p "$R"/{proc,sys,dev,tmp,run,etc,root,var/log}
chmod 1777 "$R/tmp"
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"; echo 'root:x:0:' > "$R/etc/group"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$R/etc/hosts"
printf 'hosts: files dns\n' > "$R/etc/nsswitch.conf"
# trixie's busybox-static installs /bin/busybox: the VM's init and the shell of the init script.
[ -x "$R/usr/bin/busybox" ] || { log "busybox-static did not unpack to /usr/bin/busybox"; exit 1; }
ln -sfn busybox "$R/usr/bin/sh"
cp /usr/bin/qemu-aarch64-static "$R/qemu-aarch64-static"
echo "$RUNTIME" > "$R/.complete"

K=$T/kernel; mkdir -p "$K"
dpkg-deb -x "$(find "$D" -name "${KPKG}_*_arm64.deb" | sort -V | tail -1)" "$K"
cp "$K"/boot/vmlinuz-* "$T/vmlinuz"; echo "${KPKG#linux-image-}" > "$T/kver"
grep -E '^CONFIG_(GPIO_PL061|GPIO_CDEV|GPIO_CDEV_V1|DEBUG_FS)=' "$K"/boot/config-* >&2 || true

rm -rf "$CACHE/sysroot.old"; [ -d "$CACHE/sysroot" ] && mv "$CACHE/sysroot" "$CACHE/sysroot.old"
mv "$T/packages.txt" "$T/vmlinuz" "$T/kver" "$CACHE/"; mv "$R" "$CACHE/sysroot"; rm -rf "$CACHE/sysroot.old"
log "sysroot ready: $(wc -l < "$CACHE/packages.txt") packages, $(du -sh "$CACHE/sysroot" | cut -f1), kernel $(cat "$CACHE/kver")"
echo "$CACHE"
