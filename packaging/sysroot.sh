#!/usr/bin/env bash
# Builds a Debian bookworm sysroot for cross-compiling pitchbox's cgo parts
# (libx264, libavcodec) and running the result under qemu-user:
#
#   packaging/sysroot.sh ARCH DEST      ARCH: arm64 or armhf
#
# The host's dpkg is never touched (no foreign architecture is added): apt
# runs with a configuration of its own (its own lists, cache, sources and an
# empty dpkg status, APT::Architecture=ARCH), resolves the closure of the
# -dev packages below for ARCH, downloads it, and every .deb is unpacked with
# dpkg-deb -x. Absolute symlinks are made relative to the sysroot, so the
# cross linker and qemu -L find the sysroot's files and not the host's.
#
# The sysroot is cached in $PITCHBOX_SYSROOT_CACHE (default
# ~/.cache/pitchbox-sysroot)/ARCH, keyed by the package list; a warm run only
# links DEST to it (no network). PITCHBOX_SYSROOT_REFRESH=1 fetches anew.
# Each package's control files (shlibs, symbols) are kept in
# SYSROOT/.control/PACKAGE for packaging/shlibdeps.sh.
set -euo pipefail

arch=${1:?usage: sysroot.sh ARCH DEST}
dest=${2:?usage: sysroot.sh ARCH DEST}
case "$arch" in
  arm64|armhf) ;;
  *) echo "sysroot.sh: ARCH must be arm64 or armhf, not $arch" >&2; exit 2 ;;
esac
mirror=${PITCHBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${PITCHBOX_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
suite=bookworm
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# What the cgo packages link against (#cgo pkg-config: x264, libavcodec,
# libavutil, libturbojpeg, srt, opus) and the C library; apt adds the whole
# runtime closure.
pkgs=(libc6-dev libx264-dev libavcodec-dev libavutil-dev libturbojpeg0-dev libsrt-openssl-dev libopus-dev)

cache=${PITCHBOX_SYSROOT_CACHE:-$HOME/.cache/pitchbox-sysroot}/$arch
root=$cache/root
key="v1 $suite ${pkgs[*]}"

if [ "${PITCHBOX_SYSROOT_REFRESH:-0}" != 1 ] && [ -f "$root/.pitchbox-sysroot" ] &&
   [ "$(cat "$root/.pitchbox-sysroot")" = "$key" ]; then
  mkdir -p "$(dirname "$dest")"
  ln -sfn "$root" "$dest"
  exit 0
fi

for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "sysroot.sh: needs $tool" >&2; exit 1; }
done
[ -r "$keyring" ] || { echo "sysroot.sh: needs $keyring (debian-archive-keyring)" >&2; exit 1; }

start=$SECONDS
apt=$cache/apt
mkdir -p "$apt"/{state/lists/partial,cache/archives/partial,etc/apt.conf.d,etc/preferences.d,etc/sources.list.d}
: >"$apt/status"
cat >"$apt/etc/sources.list" <<EOF
deb [arch=$arch signed-by=$keyring] $mirror $suite main
deb [arch=$arch signed-by=$keyring] $mirror $suite-updates main
deb [arch=$arch signed-by=$keyring] $security $suite-security main
EOF
# Only these settings: the host's apt.conf.d (hooks, clean-ups) is not read.
opts=(
  -o Dir::Etc="$apt/etc"
  -o Dir::Etc::sourcelist="$apt/etc/sources.list"
  -o Dir::Etc::sourceparts="$apt/etc/sources.list.d"
  -o Dir::Etc::parts="$apt/etc/apt.conf.d"
  -o Dir::Etc::preferencesparts="$apt/etc/preferences.d"
  -o Dir::State="$apt/state"
  -o Dir::State::status="$apt/status"
  -o Dir::Cache="$apt/cache"
  -o APT::Architecture="$arch"
  -o APT::Architectures="$arch"
  -o APT::Install-Recommends=false
  -o Debug::NoLocking=true
  -o APT::Sandbox::User="$(id -un)"
  -o Acquire::Languages=none
  -o Acquire::By-Hash=force
  -o Acquire::Retries=3
)
echo "sysroot.sh: resolving ${pkgs[*]} for $arch" >&2
# A mirror caught mid-sync serves an index that does not match its Release
# file; apt then ignores that index. Try again once, then go on with the
# indexes that were fetched (a build sysroot needs the libraries' ABI, not
# the latest security fix); resolving below fails if a package is missing.
if ! apt-get "${opts[@]}" -qq update; then
  sleep 5
  apt-get "${opts[@]}" -qq update ||
    echo "sysroot.sh: warning: some $arch package indexes could not be fetched (see above); going on with the others" >&2
fi
apt-get "${opts[@]}" -qq -y --download-only install "${pkgs[@]}" >/dev/null

debs=("$apt"/cache/archives/*.deb)
[ -e "${debs[0]}" ] || { echo "sysroot.sh: apt downloaded nothing" >&2; exit 1; }
new=$cache/root.new
rm -rf "$new"
mkdir -p "$new/.control"
for deb in "${debs[@]}"; do
  dpkg-deb -x "$deb" "$new"
  p=$(dpkg-deb -f "$deb" Package)
  mkdir -p "$new/.control/$p"
  dpkg-deb -e "$deb" "$new/.control/$p"
  dpkg-deb -f "$deb" Package Version Architecture Multi-Arch Source >"$new/.control/$p/fields"
  dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$new/.control/$p/list"
done
# Absolute symlinks (/lib/ld-linux-aarch64.so.1 -> /lib/aarch64-linux-gnu/…,
# /usr/lib/…/libfoo.so -> /lib/…) would point into the host: make them
# relative, so they stay inside the sysroot wherever it is.
while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  case "$target" in
    /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$new$target")" "$link" ;;
  esac
done < <(find "$new" -type l -print0)
echo "$key" >"$new/.pitchbox-sysroot"
rm -rf "$root"
mv "$new" "$root"
# The .debs are not needed any more: the sysroot is the cache.
rm -f "$apt"/cache/archives/*.deb
mkdir -p "$(dirname "$dest")"
ln -sfn "$root" "$dest"
echo "sysroot.sh: $arch sysroot of ${#debs[@]} packages, $(du -sh "$root" | cut -f1), in $((SECONDS - start)) s" >&2
