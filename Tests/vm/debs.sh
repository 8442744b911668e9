#!/usr/bin/env bash
# Fetches Debian packages of another suite or architecture WITHOUT touching this machine's apt
# state or installed packages: a second apt state (its own sources list, lists and status under
# the cache) answers `apt-get download`, and nothing is ever installed.
#
# usage: debs.sh SUITE ARCH DIR PKG...   e.g. debs.sh bookworm-backports amd64 DIR libgpiod3 libgpiod-dev
#   SUITE  a suite of deb.debian.org/debian (bookworm-backports, trixie, …)
#   ARCH   amd64, arm64, …
#   DIR    where the .debs go; a package already there (PKG_*_ARCH.deb or _all.deb) is not fetched
#          again, so DIR is a cache. The apt state lives in DIR/.apt.
# Prints the path of each package's .deb, one per line, in the order given.
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,/^set -e/s/^# \{0,1\}//p' "$0" | grep -v '^set'; exit 2; }
SUITE=$1 ARCH=$2 DIR=$3; shift 3
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
S=$DIR/.apt
mkdir -p "$S/etc/apt.conf.d" "$S/etc/preferences.d" "$S/etc/sources.list.d" "$S/lists/partial" "$S/archives/partial"
touch "$S/status"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $SUITE main" \
  > "$S/etc/sources.list"
cat > "$S/apt.conf" <<CONF
Dir::Etc "$S/etc";
Dir::Etc::sourcelist "$S/etc/sources.list";
Dir::Etc::sourceparts "$S/etc/sources.list.d";
Dir::Etc::parts "$S/etc/apt.conf.d";
Dir::Etc::preferencesparts "$S/etc/preferences.d";
Dir::State "$S";
Dir::State::lists "$S/lists";
Dir::State::status "$S/status";
Dir::Cache "$S";
Dir::Cache::archives "$S/archives";
APT::Architecture "$ARCH";
APT::Architectures { "$ARCH"; };
Debug::NoLocking "true";
APT::Sandbox::User "root";
CONF
apt2() { APT_CONFIG=$S/apt.conf apt-get -qq -o=Dpkg::Use-Pty=0 "$@"; }
cached() { for f in "$DIR/$1"_*_"$ARCH".deb "$DIR/$1"_*_all.deb; do [ -e "$f" ] && { echo "$f"; return; }; done; true; }
updated=no
for p in "$@"; do
  if [ -z "$(cached "$p")" ]; then
    if [ $updated = no ] && ! ls "$S/lists/"*Packages* >/dev/null 2>&1; then apt2 update >&2; updated=yes; fi
    (cd "$DIR" && apt2 download "$p:$ARCH" >&2) ||
      { [ $updated = yes ] || { apt2 update >&2; updated=yes; (cd "$DIR" && apt2 download "$p:$ARCH" >&2); }; }
  fi
  f=$(cached "$p"); [ -n "$f" ] || { echo "debs.sh: $p ($SUITE, $ARCH) not found" >&2; exit 1; }
  echo "$f"
done
