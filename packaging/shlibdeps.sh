#!/usr/bin/env bash
# Prints the Depends: on shared libraries of a binary, computed by
# dpkg-shlibdeps from the libraries' symbols and shlibs files:
#
#   packaging/shlibdeps.sh ARCH BINARY [SYSROOT]
#
# Native (no SYSROOT): against the host's installed packages. With a sysroot
# made by packaging/sysroot.sh, against the packages unpacked there: a small
# dpkg database for dpkg-shlibdeps (--admindir) is made from the control
# files the sysroot keeps in .control/, with every path under the sysroot,
# so `dpkg-query --search` finds the package of each library the binary
# needs and dpkg-shlibdeps reads its symbols file. The host's database is
# only read, never written.
set -euo pipefail

arch=${1:?usage: shlibdeps.sh ARCH BINARY [SYSROOT]}
bin=$(realpath "${2:?usage: shlibdeps.sh ARCH BINARY [SYSROOT]}")
sysroot=${3:-}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# dpkg-shlibdeps wants the binary inside a package's build tree.
mkdir -p "$work/debian/pitchbox/usr/bin"
cp "$bin" "$work/debian/pitchbox/usr/bin/pitchbox"
: >"$work/debian/control"

args=()
if [ -n "$sysroot" ]; then
  sysroot=$(realpath "$sysroot")
  multiarch=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
  admin=$work/admindir
  mkdir -p "$admin/info" "$admin/updates"
  echo 1 >"$admin/info/format"
  : >"$admin/status"
  for d in "$sysroot"/.control/*/; do
    p=$(basename "$d")
    a=$(sed -n 's/^Architecture: //p' "$d/fields")
    n=$p
    [ "$(sed -n 's/^Multi-Arch: //p' "$d/fields")" = same ] && n=$p:$a
    { grep -v '^Source:' "$d/fields"
      printf 'Status: install ok installed\nMaintainer: -\nDescription: -\n\n'
    } >>"$admin/status"
    grep -v '^/$' "$d/list" | sed -e 's|/$||' -e "s|^|$sysroot|" >"$admin/info/$n.list"
    for f in shlibs symbols; do
      if [ -f "$d/$f" ]; then cp "$d/$f" "$admin/info/$n.$f"; fi
    done
  done
  args+=(--admindir="$admin" -l"$sysroot/lib/$multiarch" -l"$sysroot/usr/lib/$multiarch")
fi

out=$(cd "$work" && DEB_HOST_ARCH=$arch dpkg-shlibdeps "${args[@]}" -O -e debian/pitchbox/usr/bin/pitchbox 2>"$work/err") || {
  cat "$work/err" >&2
  exit 1
}
grep -v 'warning: .*binaries to analyze should already be installed' "$work/err" >&2 || true
printf '%s\n' "${out#shlibs:Depends=}"
