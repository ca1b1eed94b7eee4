#!/usr/bin/env bash
# Tests the packages `make deb` built (run by `make deb-test`, part of
# `make test`; as root):
#
#  1. each of dist/pitchbox_DEBVERSION_{amd64,arm64,armhf}.deb: lintian
#     reports no error; the control fields, conffile and contents are as
#     they should be; the binary is for its architecture and links
#     libx264, libavcodec, libavutil, libturbojpeg, libsrt, libopus and libc (readelf -d) with Depends: on
#     their packages;
#  2. the arm64 and armhf binaries run under qemu-user against the Debian
#     libraries of their sysroot: `pitchbox version`, `pitchbox doctor`
#     (exit 0: here the camera, microphone, GPIO and screen are missing,
#     which doctor reports as warnings, while the encoder and AAC lines
#     must say x264, libavcodec, libjpeg-turbo and C conversion), and 6 s of `pitchbox run` recording
#     the test pattern and beep, whose FLV must hold H.264 and AAC;
#  3. the amd64 package installs with `apt install ./dist/…amd64.deb`:
#     user and group pitchbox (groups video, audio, input, gpio) made by
#     sysusers, /etc/pitchbox and the conffile handed to pitchbox, the unit
#     enabled and not started, the binary runs (also as pitchbox, with the
#     installed configuration), `systemd-analyze verify` accepts the
#     installed unit; a reinstall keeps a changed conffile; `apt remove`
#     leaves the configuration, `apt purge` leaves nothing of the package.
#
# The install test refuses to run where pitchbox is installed or
# /etc/pitchbox exists (it would purge a real box's configuration). It puts
# back what it found: a user pitchbox or group gpio it made is deleted
# again at the end (the package itself leaves them on purge, as Debian
# does with system users).
#
# Environment: DEB_VERSION (packaging/version.sh), VERSION (the binary's).
set -uo pipefail
cd "$(dirname "$0")/.."

version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
debversion=${DEB_VERSION:-$(packaging/version.sh)}
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok    $*"; }
bad() { failed=$((failed + 1)); echo "FAIL  $*"; return 1; }
check() { # DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
finish() {
  echo "deb-test: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

if [ "$(id -u)" -ne 0 ]; then
  echo "deb-test: needs root (it installs and purges the amd64 package)" >&2
  exit 1
fi
tmp=$(mktemp -d)

# ---- 1 and 2: every package -------------------------------------------------
declare -A machine=([amd64]="X86-64" [arm64]="AArch64" [armhf]="ARM")
declare -A qemu=([arm64]=qemu-aarch64-static [armhf]=qemu-arm-static)
declare -A triplet=([arm64]=aarch64-linux-gnu [armhf]=arm-linux-gnueabihf)
declare -A goarch=([arm64]="GOARCH=arm64" [armhf]="GOARCH=arm GOARM=7")

# simd_tests builds the tests of the C conversions (NEON on arm64) and of
# the libjpeg-turbo decoder for ARCH against its sysroot, and runs them
# under qemu-user: the same values as the portable Go, the camera JPEGs
# decoded right, nothing allocated per frame.
simd_tests() {
  local arch=$1 sysroot=$2 t=${triplet[$1]} pkg
  for pkg in fastconv mjpeg; do
    # shellcheck disable=SC2086
    env CGO_ENABLED=1 ${goarch[$arch]} CC="$t-gcc --sysroot=$sysroot" PKG_CONFIG_SYSROOT_DIR="$sysroot" \
      PKG_CONFIG_LIBDIR="$sysroot/usr/lib/$t/pkgconfig:$sysroot/usr/share/pkgconfig" \
      "${GO:-go}" test -c -o "$tmp/$pkg-$arch.test" "./frame/$pkg" >"$tmp/build.log" 2>&1 || cat "$tmp/build.log"
    check "$arch: qemu: frame/$pkg tests pass (C with SIMD, libjpeg-turbo)" \
      bash -c "cd frame/$pkg && '${qemu[$arch]}' -L '$sysroot' '$tmp/$pkg-$arch.test' -test.count=1 >'$tmp/$pkg.log' 2>&1 || { cat '$tmp/$pkg.log'; false; }"
  done
}
for arch in amd64 arm64 armhf; do
  deb=dist/pitchbox_${debversion}_${arch}.deb
  if [ ! -f "$deb" ]; then
    bad "$arch: $deb exists (run make deb)"
    continue
  fi
  echo "== $deb ($(du -k "$deb" | cut -f1) KiB)"
  lintian --fail-on error "$deb" >"$tmp/lintian" 2>&1
  rc=$?
  grep -v '^running with root privileges' "$tmp/lintian" | sort | uniq -c | sed 's/^/      /'
  check "$arch: lintian reports no error" [ "$rc" -eq 0 ]

  check "$arch: Architecture: $arch" [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ]
  check "$arch: Version: $debversion" [ "$(dpkg-deb -f "$deb" Version)" = "$debversion" ]
  depends=$(dpkg-deb -f "$deb" Depends)
  for p in 'libc6 (>= ' 'libx264-164 (>= ' 'libavcodec59 (>= ' 'libavutil57 (>= ' 'libturbojpeg0 (>= ' 'libsrt1.5-openssl (>= ' 'libopus0 (>= ' 'systemd | systemd-sysusers'; do
    check "$arch: Depends: has $p" grep -qF "$p" <<<"$depends"
  done
  dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >"$tmp/contents"
  for f in "-rwxr-xr-x root/root ./usr/bin/pitchbox" \
    "-rw-r--r-- root/root ./usr/lib/systemd/system/pitchbox.service" \
    "-rw-r--r-- root/root ./usr/lib/sysusers.d/pitchbox.conf" \
    "-rw-r--r-- root/root ./usr/lib/tmpfiles.d/pitchbox.conf" \
    "-rw-r--r-- root/root ./usr/lib/udev/rules.d/60-pitchbox.rules" \
    "-rw-r--r-- root/root ./etc/pitchbox/pitchbox.toml" \
    "-rw-r--r-- root/root ./usr/share/doc/pitchbox/copyright" \
    "-rw-r--r-- root/root ./usr/share/doc/pitchbox/changelog.Debian.gz" \
    "-rw-r--r-- root/root ./usr/share/man/man1/pitchbox.1.gz" \
    "-rw-r--r-- root/root ./usr/share/lintian/overrides/pitchbox"; do
    check "$arch: contains ${f##* } (${f% *})" grep -qxF -- "$f" "$tmp/contents"
  done
  rm -rf "$tmp/ctl"
  dpkg-deb -e "$deb" "$tmp/ctl"
  check "$arch: /etc/pitchbox/pitchbox.toml is a conffile" grep -qx /etc/pitchbox/pitchbox.toml "$tmp/ctl/conffiles"
  check "$arch: postinst, prerm and postrm" test -x "$tmp/ctl/postinst" -a -x "$tmp/ctl/prerm" -a -x "$tmp/ctl/postrm"

  x=$tmp/x-$arch
  rm -rf "$x"
  dpkg-deb -x "$deb" "$x"
  check "$arch: changelog names version $debversion" \
    bash -c "zcat '$x/usr/share/doc/pitchbox/changelog.Debian.gz' | head -1 | grep -qF 'pitchbox ($debversion)'"
  check "$arch: the unit runs /usr/bin/pitchbox" grep -q '^ExecStart=/usr/bin/pitchbox ' "$x/usr/lib/systemd/system/pitchbox.service"
  # Every file of systemd/ is in the package as it is in the repository.
  for f in systemd/*; do
    name=${f#systemd/}
    case "$name" in
      *.go | pitchbox.service) continue ;;
      *.sysusers) dst=usr/lib/sysusers.d/${name%.sysusers}.conf ;;
      *.tmpfiles) dst=usr/lib/tmpfiles.d/${name%.tmpfiles}.conf ;;
      *.rules) dst=usr/lib/udev/rules.d/$name ;;
      *) dst="(no place for $name: teach packaging/nfpm.yaml and this test)" ;;
    esac
    check "$arch: ships $f as /$dst" cmp -s "$f" "$x/$dst"
  done

  bin=$x/usr/bin/pitchbox
  check "$arch: binary is ${machine[$arch]}" bash -c "readelf -h '$bin' | grep -q 'Machine:.*${machine[$arch]}'"
  needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
  echo "      NEEDED: $needed"
  for lib in libavcodec.so.59 libavutil.so.57 libx264.so.164 libturbojpeg.so.0 libsrt.so.1.5 libopus.so.0 libc.so.6; do
    check "$arch: links $lib" grep -q " $lib " <<<" $needed"
  done
  # Nothing else but the dynamic loader (armhf names it).
  check "$arch: links nothing else" [ -z "$(tr ' ' '\n' <<<"$needed" | grep -vE '^(libavcodec.so.59|libavutil.so.57|libx264.so.164|libturbojpeg.so.0|libsrt.so.1.5|libopus.so.0|libc.so.6|ld-linux.*|)$')" ]

  # ---- 2: arm64 and armhf under qemu-user, with the Debian libraries of
  # the sysroot; amd64 natively, the host's libraries being the same
  # Debian ones.
  run=("$bin")
  q=
  if [ "$arch" != amd64 ]; then
    sysroot=$(realpath "dist/sysroot-$arch")
    run=("${qemu[$arch]}" -L "$sysroot" "$bin")
    q="qemu: "
    multiarch=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
    for lib in $needed; do
      check "$arch: $lib is Debian's, in the sysroot" test -e "$sysroot/lib/$multiarch/$lib" -o -e "$sysroot/usr/lib/$multiarch/$lib"
    done
  fi
  if [ "$arch" != amd64 ]; then
    simd_tests "$arch" "$sysroot"
  fi
  out=$("${run[@]}" version 2>&1)
  check "$arch: ${q}pitchbox version prints pitchbox $version (got: $out)" [ "$out" = "pitchbox $version" ]
  mkdir -p "$tmp/q-$arch"
  cat >"$tmp/q-$arch/pitchbox.toml" <<EOF
state_dir = "$tmp/q-$arch/state"
[camera]
device = "testpattern"
width = 320
height = 240
fps = 10
[audio]
device = "syncbeep"
[panel]
listen = "off"
[display]
device = "none"
[control]
socket = "$tmp/q-$arch/control.sock"
EOF
  "${run[@]}" doctor --config "$tmp/q-$arch/pitchbox.toml" >"$tmp/doctor" 2>&1
  rc=$?
  sed 's/^/      /' "$tmp/doctor"
  check "$arch: ${q}pitchbox doctor exits 0" [ "$rc" -eq 0 ]
  check "$arch: ${q}doctor: encoder is x264" grep -q '^ok    encoder .*x264' "$tmp/doctor"
  check "$arch: ${q}doctor: aac is libavcodec" grep -q '^ok    aac .*libavcodec' "$tmp/doctor"
  check "$arch: ${q}doctor: mjpeg is libjpeg-turbo" grep -q '^ok    mjpeg .*libjpeg-turbo' "$tmp/doctor"
  check "$arch: ${q}doctor: yuyv is converted in C" grep -q '^ok    yuyv .*C conversion' "$tmp/doctor"
  check "$arch: ${q}doctor prints a line for each check" [ "$(grep -cE '^(ok  |warn|FAIL) ' "$tmp/doctor")" -ge 8 ]
  "${run[@]}" run --config "$tmp/q-$arch/pitchbox.toml" >"$tmp/run.log" 2>&1 &
  pid=$!
  sleep 6
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  check "$arch: ${q}pitchbox run stops cleanly on SIGINT" [ "$rc" -eq 0 ] || cat "$tmp/run.log"
  flv=$(find "$tmp/q-$arch/state/recordings" -name '*.flv' 2>/dev/null | head -1)
  codecs=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$flv" 2>/dev/null | sort | tr '\n' ' ')
  frames=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$flv" 2>/dev/null)
  echo "      recording: $(du -k "$flv" 2>/dev/null | cut -f1) KiB, streams: $codecs, $frames video frames"
  check "$arch: ${q}the recording holds H.264 (x264) and AAC (libavcodec)" [ "$codecs" = "aac h264 " ]
  check "$arch: ${q}the recording has 20 frames or more" [ "${frames:-0}" -ge 20 ]
done

# ---- 3: install, remove, purge the amd64 package ----------------------------
deb=dist/pitchbox_${debversion}_amd64.deb
[ -f "$deb" ] || finish
echo "== apt install ./$deb"
state=/var/tmp/pitchbox-deb-test.state
if [ -f "$state" ]; then
  # An earlier run was interrupted: its package is still in: take it out.
  echo "deb-test: an interrupted run left $state: purging its package first"
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq pitchbox >/dev/null 2>&1
else
  if dpkg-query -W -f '${db:Status-Status}' pitchbox 2>/dev/null | grep -qv not-installed; then
    bad "pitchbox is installed on this machine: not testing the install (apt purge pitchbox, if it is a test's)"
    finish
  fi
  if [ -e /etc/pitchbox ]; then
    bad "/etc/pitchbox exists: not testing the install, the purge would delete it"
    finish
  fi
  {
    getent passwd pitchbox >/dev/null && echo user=1 || echo user=0
    getent group pitchbox >/dev/null && echo group=1 || echo group=0
    getent group gpio >/dev/null && echo gpio=1 || echo gpio=0
    [ -d /var/lib/pitchbox ] && stat -c 'varlib=%a:%u:%g' /var/lib/pitchbox || echo varlib=
  } >"$state"
fi
if [ -d /var/lib/pitchbox ] && [ -n "$(ls -A /var/lib/pitchbox)" ]; then
  bad "/var/lib/pitchbox holds files: not testing the install, the purge would delete them"
  rm -f "$state"
  finish
fi
# shellcheck disable=SC1090
. <(sed 's/^/had_/' "$state")

cleanup() {
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq pitchbox >/dev/null 2>&1
  [ "$had_user" = 1 ] || userdel pitchbox 2>/dev/null
  [ "$had_group" = 1 ] || groupdel pitchbox 2>/dev/null
  [ "$had_gpio" = 1 ] || groupdel gpio 2>/dev/null
  if [ -n "$had_varlib" ] && [ ! -e /var/lib/pitchbox ]; then
    IFS=: read -r mode uid gid <<<"$had_varlib"
    install -d -m "$mode" -o "$uid" -g "$gid" /var/lib/pitchbox
  fi
  rm -f "$state"
  rm -rf "$tmp"
}
trap cleanup EXIT

apt_() { # apt as a person types it, without its notes on the CLI and sandbox
  DEBIAN_FRONTEND=noninteractive apt "$@" 2>&1 |
    grep -vE 'does not have a stable CLI|^$|unsandboxed as root' >"$tmp/apt.log"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || cat "$tmp/apt.log"
  return "$rc"
}
start=$SECONDS
[ "$had_user" = 1 ] && echo "      (user pitchbox existed before: its creation is not tested this run)"
check "apt install ./$deb" apt_ install -y "./$deb"
check "installed: dpkg says install ok installed" [ "$(dpkg-query -W -f '${Status}' pitchbox 2>/dev/null)" = "install ok installed" ]
check "installed: version $debversion" [ "$(dpkg-query -W -f '${Version}' pitchbox 2>/dev/null)" = "$debversion" ]
check "sysusers: user pitchbox, home /var/lib/pitchbox, no login shell" \
  bash -c 'IFS=: read -r n _ uid _ _ home shell < <(getent passwd pitchbox) && [ "$home" = /var/lib/pitchbox ] && [ "$uid" -lt 1000 ] && [[ "$shell" == */nologin ]]'
check "sysusers: group pitchbox" bash -c 'getent group pitchbox >/dev/null'
check "sysusers: group gpio" bash -c 'getent group gpio >/dev/null'
groups=" $(id -nG pitchbox 2>/dev/null) "
for g in pitchbox video audio input gpio; do
  check "sysusers: pitchbox is in group $g" grep -q " $g " <<<"$groups"
done
check "tmpfiles: /etc/pitchbox is pitchbox:pitchbox 0750" [ "$(stat -c '%U:%G %a' /etc/pitchbox)" = "pitchbox:pitchbox 750" ]
check "statoverride: pitchbox.toml is pitchbox:pitchbox 0640" [ "$(stat -c '%U:%G %a' /etc/pitchbox/pitchbox.toml)" = "pitchbox:pitchbox 640" ]
check "the configuration is the example" cmp -s pitchbox.example.toml /etc/pitchbox/pitchbox.toml
# (deb-systemd-helper links /lib/systemd/system/…: the same file on a
# merged /usr, as every Debian 12 and Raspberry Pi OS bookworm is.)
check "enabled: multi-user.target wants pitchbox.service" \
  [ "$(readlink -e /etc/systemd/system/multi-user.target.wants/pitchbox.service)" = "$(readlink -e /usr/lib/systemd/system/pitchbox.service)" ]
check "not started: no /usr/bin/pitchbox process" bash -c '! pgrep -f "^/usr/bin/pitchbox " >/dev/null'
out=$(/usr/bin/pitchbox version 2>&1)
check "pitchbox version prints pitchbox $version (got: $out)" [ "$out" = "pitchbox $version" ]
# As the service would run it: user pitchbox, the state directory systemd
# makes (StateDirectory=), the installed configuration.
install -d -m 0750 -o pitchbox -g pitchbox /var/lib/pitchbox
runuser -u pitchbox -- env STATE_DIRECTORY=/var/lib/pitchbox /usr/bin/pitchbox doctor --config /etc/pitchbox/pitchbox.toml >"$tmp/doctor" 2>&1
rc=$?
sed 's/^/      /' "$tmp/doctor"
check "pitchbox doctor as user pitchbox with /etc/pitchbox/pitchbox.toml exits 0" [ "$rc" -eq 0 ]
check "doctor: encoder is x264, aac is libavcodec" \
  bash -c "grep -q '^ok    encoder .*x264' '$tmp/doctor' && grep -q '^ok    aac .*libavcodec' '$tmp/doctor'"
systemd-analyze verify /usr/lib/systemd/system/pitchbox.service >"$tmp/verify" 2>&1
rc=$?
sed 's/^/      /' "$tmp/verify"
check "systemd-analyze verify accepts the installed unit, without a word" [ "$rc" -eq 0 -a ! -s "$tmp/verify" ]

echo "# changed by deb-test" >>/etc/pitchbox/pitchbox.toml
check "apt install --reinstall ./$deb" apt_ install -y --reinstall "./$deb"
check "reinstall: the changed conffile is kept" grep -qx '# changed by deb-test' /etc/pitchbox/pitchbox.toml
check "reinstall: no .dpkg-new or .dpkg-dist beside it" bash -c '! ls /etc/pitchbox | grep -q dpkg'
check "reinstall: still pitchbox:pitchbox 0640" [ "$(stat -c '%U:%G %a' /etc/pitchbox/pitchbox.toml)" = "pitchbox:pitchbox 640" ]
check "reinstall: still enabled" test -L /etc/systemd/system/multi-user.target.wants/pitchbox.service

check "apt remove pitchbox" apt_ remove -y pitchbox
check "removed: dpkg keeps only the configuration" [ "$(dpkg-query -W -f '${db:Status-Abbrev}' pitchbox 2>/dev/null)" = "rc " ]
for f in /usr/bin/pitchbox /usr/lib/systemd/system/pitchbox.service /usr/lib/sysusers.d/pitchbox.conf \
  /usr/lib/tmpfiles.d/pitchbox.conf /usr/lib/udev/rules.d/60-pitchbox.rules /usr/share/doc/pitchbox; do
  check "removed: $f" test ! -e "$f"
done
check "removed: the configuration stays" grep -qx '# changed by deb-test' /etc/pitchbox/pitchbox.toml

check "apt purge pitchbox" apt_ purge -y pitchbox
check "purged: dpkg knows nothing of pitchbox" bash -c '! dpkg-query -W pitchbox >/dev/null 2>&1'
check "purged: /etc/pitchbox is gone" test ! -e /etc/pitchbox
check "purged: /var/lib/pitchbox is gone" test ! -e /var/lib/pitchbox
check "purged: no statoverride left" bash -c '! dpkg-statoverride --list | grep -q pitchbox'
check "purged: no unit symlink or mask left in /etc/systemd" bash -c '[ -z "$(find /etc/systemd -name "pitchbox*")" ]'
check "purged: deb-systemd-helper keeps no state" bash -c '[ -z "$(find /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked -name "pitchbox*" 2>/dev/null)" ]'
check "purged: the user pitchbox stays (Debian leaves system users)" bash -c 'getent passwd pitchbox >/dev/null'
echo "      install, reinstall, remove and purge took $((SECONDS - start)) s"
finish
