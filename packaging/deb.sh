#!/usr/bin/env bash
# Builds pitchbox's Debian packages:
#
#   packaging/deb.sh [ARCH...]     ARCH: amd64 arm64 armhf (default: all three)
#
# -> dist/pitchbox_DEBVERSION_ARCH.deb, made by nfpm (packaging/nfpm.yaml).
# amd64 is built natively against the host's -dev packages; arm64 and armhf
# are cross-compiled, cgo parts included, with Debian's cross compilers
# (gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf) against a sysroot of
# Debian's own arm libraries (packaging/sysroot.sh, cached). A binary that
# does not link libx264 and libavcodec fails the build: the packages never
# carry a cgo-free binary. Depends: comes from dpkg-shlibdeps
# (packaging/shlibdeps.sh).
#
# Environment: VERSION (embedded in the binary, as `make build` does),
# DEB_VERSION (packaging/version.sh), GO, PITCHBOX_MAINTAINER.
set -euo pipefail
cd "$(dirname "$0")/.."

go=${GO:-go}
nfpm=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
debversion=${DEB_VERSION:-$(packaging/version.sh)}
maintainer=${PITCHBOX_MAINTAINER:-pitchbox maintainers <maintainers@users.noreply.github.com>}
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(amd64 arm64 armhf)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

# Every file in systemd/ goes into the package: one the nfpm configuration
# does not list is an error, not a file left out silently (the folder's Go
# tests excepted).
for f in systemd/*; do
  case "${f#systemd/}" in
    pitchbox.service) continue ;; # staged below
    *.go) continue ;;
  esac
  grep -qE "^ *- src: $f\$" packaging/nfpm.yaml ||
    { echo "deb.sh: $f is not in packaging/nfpm.yaml: add it to contents" >&2; exit 1; }
done

common=dist/build/common
mkdir -p "$common"
# The unit as the package installs it: the binary is /usr/bin/pitchbox
# (make install puts it in /usr/local/bin).
sed 's|/usr/local/bin/pitchbox|/usr/bin/pitchbox|g' systemd/pitchbox.service >"$common/pitchbox.service"
grep -q '^ExecStart=/usr/bin/pitchbox ' "$common/pitchbox.service" ||
  { echo "deb.sh: the unit's ExecStart does not run /usr/bin/pitchbox" >&2; exit 1; }
packaging/copyright.sh >"$common/copyright"
gzip -9nc README.md >"$common/README.md.gz"
packaging/manpage.sh "$debversion" "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" | gzip -9n >"$common/pitchbox.1.gz"

# changelog.Debian.gz: packaging/changelog, its newest entry renamed to
# this snapshot's version (before the release) or under a new entry for
# it (after the release), with the commit it was built from.
base=$(sed -n '1s/^pitchbox (\([^)]*\)).*/\1/p' packaging/changelog)
date=$(date -R -u -d "@$SOURCE_DATE_EPOCH")
note="  * Snapshot of commit $(git rev-parse --short=7 HEAD 2>/dev/null || echo unknown) ($version)."
if [ "$debversion" = "$base" ]; then
  cp packaging/changelog "$common/changelog.Debian"
elif dpkg --compare-versions "$debversion" lt "$base"; then
  # Before the release: the newest entry is the release being prepared.
  awk -v ver="$debversion" -v note="$note" -v date="$date" '
    NR == 1 { sub(/\([^)]*\)/, "(" ver ")"); print; next }
    NR == 2 { print; print note; next }
    !done && /^ -- / { sub(/>  .*/, ">  " date); done = 1 }
    { print }' packaging/changelog >"$common/changelog.Debian"
else
  { printf 'pitchbox (%s) UNRELEASED; urgency=medium\n\n%s\n\n -- %s  %s\n\n' \
      "$debversion" "$note" "$maintainer" "$date"
    cat packaging/changelog; } >"$common/changelog.Debian"
fi
gzip -9nc "$common/changelog.Debian" >"$common/changelog.Debian.gz"

mkdir -p dist
for arch in "${archs[@]}"; do
  start=$SECONDS
  sysroot=
  env=(CGO_ENABLED=1 GOOS=linux)
  case "$arch" in
    amd64) env+=(GOARCH=amd64 CC="${CC_amd64:-gcc}") ;;
    arm64) sysroot=dist/sysroot-arm64; triplet=aarch64-linux-gnu; env+=(GOARCH=arm64) ;;
    armhf) sysroot=dist/sysroot-armhf; triplet=arm-linux-gnueabihf; env+=(GOARCH=arm GOARM=7) ;;
    *) echo "deb.sh: unknown architecture $arch (amd64, arm64, armhf)" >&2; exit 2 ;;
  esac
  if [ -n "$sysroot" ]; then
    packaging/sysroot.sh "$arch" "$sysroot"
    s=$(realpath "$sysroot")
    command -v "$triplet-gcc" >/dev/null ||
      { echo "deb.sh: needs $triplet-gcc (apt-get install gcc-$triplet; scripts/deps.sh deb)" >&2; exit 1; }
    env+=(CC="$triplet-gcc --sysroot=$s"
      PKG_CONFIG_SYSROOT_DIR="$s"
      PKG_CONFIG_LIBDIR="$s/usr/lib/$triplet/pkgconfig:$s/usr/share/pkgconfig")
  fi
  out=dist/build/$arch
  mkdir -p "$out"
  env "${env[@]}" \
    CGO_CFLAGS="-O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2" \
    CGO_LDFLAGS="-Wl,-z,relro -Wl,-z,now" \
    "$go" build -trimpath -buildmode=pie \
    -ldflags "-s -w -X github.com/pitchbox/pitchbox/box.Version=$version" \
    -o "$out/pitchbox" ./cmd/pitchbox
  needed=$(readelf -d "$out/pitchbox" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  for lib in libx264.so libavcodec.so libturbojpeg.so libsrt.so libopus.so libc.so; do
    [[ " $needed" == *" $lib."* ]] ||
      { echo "deb.sh: $arch binary does not link $lib (NEEDED: $needed): cgo was not used" >&2; exit 1; }
  done
  depends=$(packaging/shlibdeps.sh "$arch" "$out/pitchbox" $sysroot)
  deb=dist/pitchbox_${debversion}_${arch}.deb
  rm -f dist/pitchbox_*_"$arch".deb
  PITCHBOX_ARCH=$arch PITCHBOX_DEB_VERSION=$debversion PITCHBOX_DEPENDS=$depends \
    PITCHBOX_MAINTAINER=$maintainer PITCHBOX_BUILD=$out PITCHBOX_COMMON=$common \
    "$go" run "$nfpm" package --config packaging/nfpm.yaml --packager deb --target "$deb" >"$out/nfpm.log" || { cat "$out/nfpm.log" >&2; exit 1; }
  echo "deb.sh: $deb ($(du -k "$deb" | cut -f1) KiB, $((SECONDS - start)) s): Depends: $(dpkg-deb -f "$deb" Depends)"
done
