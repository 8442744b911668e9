#!/usr/bin/env bash
# The aarch64 end-to-end suite (Tests/EndToEnd, as `make e2e-aarch64` runs it) once more, with every
# firmware process run in a chroot of the Debian trixie arm64 sysroot (Tests/trixie/sysroot.sh)
# through a copy of qemu-aarch64-static inside it. So the firmware meets trixie's glibc 2.41,
# libcurl 8.14 and libgpiod 2.2 only: `qemu-aarch64-static -L /` (make e2e-aarch64) falls back to
# the build machine's /usr/lib/aarch64-linux-gnu, bookworm's arm64 libraries.
#
# usage: e2e-chroot.sh [PYTEST ARG...]     (run as root: chroot and bind mounts)
#   runs Tests/EndToEnd (less the x86_only tests) with the arguments added, e.g. -k relay, or the
#   files and tests given (Tests/EndToEnd/test_x.py::test_y) instead
#
# The tests run on the host and start the binaries through $TM_RUNNER = "chroot-exec ROOT
# /qemu-aarch64-static -L /" (Tests/trixie/chroot-exec.c keeps the working directory). Files the
# binaries share with the tests (configs, sockets, ptys, journals under /tmp, the binaries in the
# work tree) are at the same paths inside and outside: /tmp, /dev (with /dev/pts), /proc and the
# work tree are bind-mounted into a per-run copy of the sysroot (hard links, so cheap), inside a
# mount namespace of its own (unshare -m): the mounts are invisible to the rest of the machine and
# vanish with the run, however it ends; the copy is then removed.
# Exit status: pytest's. Prints "e2e-trixie: N s" at the end.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); REPO=$(cd "$HERE/../.." && pwd)
PY=${PY:-$REPO/.venv/bin/python}

if [ "${1:-}" != --inside ]; then
  for f in tanglemeter meter-sim; do
    [ -x "$REPO/build/aarch64/$f" ] || { echo "e2e-chroot.sh: build/aarch64/$f missing (make firmware-aarch64)" >&2; exit 2; }
  done
  CACHE=$(bash "$HERE/sysroot.sh")
  W=$(mktemp -d "$CACHE/chroot.XXXXXX")
  # The mounts live only in the namespace below, so from here W holds plain files.
  trap 'rm -rf --one-file-system "$W"' EXIT
  cp -al "$CACHE/sysroot" "$W/root"
  cp /etc/resolv.conf "$W/root/etc/resolv.conf" 2>/dev/null || true
  mkdir -p "$W/root$REPO"
  cc -O2 -o "$W/chroot-exec" "$HERE/chroot-exec.c"
  export TRIXIE_CACHE=$CACHE
  started=$(date +%s)
  set +e
  unshare --mount --propagation private bash "${BASH_SOURCE[0]}" --inside "$W" "$@"; rc=$?
  echo "e2e-trixie: $(( $(date +%s) - started )) s"
  exit $rc
fi

# --- inside the mount namespace ------------------------------------------------------------------
W=$2; shift 2; ROOT=$W/root
mount --rbind /dev "$ROOT/dev"
mount --rbind /proc "$ROOT/proc"
mount --bind /tmp "$ROOT/tmp"
mount --bind "$REPO" "$ROOT$REPO"
RUN=("$W/chroot-exec" "$ROOT" /qemu-aarch64-static -L /)
echo "trixie chroot: $(grep -hE '^(libc6|libcurl4t64|libgpiod3) ' "$TRIXIE_CACHE/packages.txt" | cut -d' ' -f1,2 | paste -sd, || true)"
# Proof that the runner reaches the sysroot, not the host: the dynamic loader's own version line.
LDSO=$("${RUN[@]}" /lib/ld-linux-aarch64.so.1 --version 2>&1 | head -1)
echo "loader in the chroot: $LDSO"
LIBC=$(sed -n 's/^libc6 \([^ ]*\) .*/\1/p' "$TRIXIE_CACHE/packages.txt")
case $LDSO in *"$LIBC"*) ;; *) echo "e2e-chroot.sh: the runner did not reach the trixie sysroot (libc6 $LIBC)" >&2; exit 1 ;; esac
echo "libraries of build/aarch64/tanglemeter in the chroot:"
"${RUN[@]}" /lib/ld-linux-aarch64.so.1 --list "$REPO/build/aarch64/tanglemeter" 2>&1 | sed 's/^/  /' || true
SUITE=Tests/EndToEnd; for a in "$@"; do case $a in Tests/*) SUITE= ;; esac; done
set +e
cd "$REPO"
TM_BIN_DIR=build/aarch64 TM_RUNNER="${RUN[*]}" PY="$PY" bash Tests/e2e.sh -m "not x86_only" \
  -q -p no:cacheprovider --timeout="${E2E_TIMEOUT:-300}" $SUITE "$@"
rc=$?
umount -R -l "$ROOT$REPO" "$ROOT/tmp" "$ROOT/proc" "$ROOT/dev" 2>/dev/null
exit $rc
