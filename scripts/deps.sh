#!/usr/bin/env bash
# Installs the Debian packages pitchbox needs.
#   run:  what building and running the box needs (cgo toolchain, libx264,
#         libavcodec for AAC, libturbojpeg for MJPEG cameras, libsrt for SRT
#         output, libopus for Opus audio in WebRTC (WHIP) output)
#   test: that plus libjpeg-turbo's tjbench (make bench compares against it),
#         the real peers the tests start (nginx with the RTMP and
#         stream modules, ffmpeg, zbarimg, tesseract for the cards' OCR),
#         qemu-user for arm checks, and
#         systemd (systemd-analyze, -sysusers, -tmpfiles check the unit files)
#   deb:  what `make deb` needs besides the run set: nfpm comes through the Go
#         module proxy; Debian's cross compilers for arm64 and armhf, and
#         dpkg-dev (dpkg-shlibdeps) and the archive keyring for the arm
#         sysroots (packaging/sysroot.sh; the host's dpkg gets no foreign
#         architecture)
#   deb-test: that plus lintian, qemu-user (the arm binaries), ffmpeg
#         (ffprobe) and systemd (systemd-analyze) for packaging/test.sh
#   hil, hil-kernel KVER, hil-build KVER: the QEMU rig (hil/rig.sh)
#   uapi: the cross compilers and arm C headers scripts/gen-uapi.sh needs
# As root it installs what is missing with apt-get; otherwise it names the
# packages and stops.
set -euo pipefail

want=(gcc libc6-dev pkg-config libx264-dev libavcodec-dev libavutil-dev libturbojpeg0-dev libsrt-openssl-dev libopus-dev)
case "${1:-run}" in
  run) ;;
  test) want+=(libjpeg-turbo-progs systemd nginx-light libnginx-mod-rtmp libnginx-mod-stream ffmpeg zbar-tools tesseract-ocr iproute2 qemu-user-static chromium fonts-dejavu-core fonts-noto-cjk fonts-symbola) ;;
  deb) want+=(gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf dpkg-dev debian-archive-keyring) ;;
  deb-test) want+=(gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf dpkg-dev debian-archive-keyring lintian qemu-user-static ffmpeg systemd) ;;
  uapi) want=(gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross libc6-dev-armhf-cross linux-libc-dev-arm64-cross linux-libc-dev-armhf-cross) ;;
  hil) want=(qemu-system-x86 busybox-static kmod cpio xz-utils fonts-dejavu-core iproute2) ;;
  hil-kernel) want=() ;;
  hil-build) want=(make gcc bc "linux-headers-$2" linux-source-"$(echo "$2" | cut -d. -f1-2)") ;;
esac

missing=()
for p in "${want[@]:-}"; do
  [ -n "$p" ] || continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "pitchbox needs these Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged nginx on port 80; the tests run their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl disable --now nginx >/dev/null 2>&1 || true
fi
