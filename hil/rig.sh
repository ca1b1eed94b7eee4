#!/usr/bin/env bash
# pitchbox hardware-in-the-loop rig: boots Debian's kernel under QEMU
# (software emulation) with real drivers — vivid (camera), vicodec +
# v4l2-mem2mem (M2M codec), gpio-sim + irq_sim (GPIO), bochs (fbdev),
# snd-aloop (sound), uinput/evdev (keypads), sch_netem (network faults),
# usbip-core + vhci-hcd + uvcvideo (a USB webcam: hil/uvcdev speaks USB/IP) —
# and runs pitchbox's own in-VM Go tests (package hil/vmtest, build tag
# "hil") inside it. Any missing driver or failing test fails the run.
#
# Usage: hil/rig.sh [-run REGEX]
# Cache: $PITCHBOX_HIL_CACHE (default ~/.cache/pitchbox-hil): kernel,
# modules and built out-of-tree modules, keyed by kernel version.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
run_re='.'
while [ $# -gt 0 ]; do
  case "$1" in
    -run) run_re=$2; shift 2 ;;
    *) echo "rig: unknown argument $1" >&2; exit 2 ;;
  esac
done

log() { printf 'rig: %s\n' "$*" >&2; }
die() { printf 'rig: FAIL: %s\n' "$*" >&2; exit 1; }

"$root/scripts/deps.sh" hil

# The kernel Debian's meta package points at (old ABIs leave the mirror).
resolve() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
kpkg=$(resolve)
if [ -z "$kpkg" ] && [ "$(id -u)" -eq 0 ]; then apt-get update -qq && kpkg=$(resolve); fi
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 (run apt-get update)"
kver=${kpkg#linux-image-}
cache=${PITCHBOX_HIL_CACHE:-$HOME/.cache/pitchbox-hil}/$kver
mkdir -p "$cache"
log "kernel $kver, cache $cache"

# 1. Kernel image and its modules, unpacked, not installed.
if [ ! -f "$cache/ok-image" ]; then
  "$root/scripts/deps.sh" hil-kernel "$kver"
  rm -rf "$cache/image" && mkdir -p "$cache/image"
  (cd "$cache" && apt-get download "$kpkg" >/dev/null 2>&1) || die "apt-get download $kpkg"
  dpkg -x "$cache/$kpkg"_*.deb "$cache/image"
  rm -f "$cache/$kpkg"_*.deb
  touch "$cache/ok-image"
fi
moddir=$cache/image/lib/modules/$kver
vmlinuz=$cache/image/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || die "no $vmlinuz"

# 2. Modules Debian does not build: compiled from linux-source against the
#    matching headers.
extra=$moddir/extra
if [ ! -f "$cache/ok-extra" ]; then
  "$root/scripts/deps.sh" hil-build "$kver"
  src=$(ls /usr/src/linux-source-*.tar.xz | head -1)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  base=$(basename "$src" .tar.xz)
  log "extracting driver sources from $src"
  tar -xJf "$src" -C "$work" \
    "$base/drivers/gpio/gpio-sim.c" "$base/drivers/gpio/gpiolib.h" "$base/kernel/irq/irq_sim.c" \
    "$base/drivers/media/v4l2-core/v4l2-mem2mem.c" "$base/drivers/media/test-drivers/vicodec"
  b=$work/build && mkdir -p "$b"
  cp "$work/$base/drivers/gpio/gpio-sim.c" "$work/$base/drivers/gpio/gpiolib.h" "$work/$base/kernel/irq/irq_sim.c" \
     "$work/$base/drivers/media/v4l2-core/v4l2-mem2mem.c" "$work/$base"/drivers/media/test-drivers/vicodec/*.[ch] "$b/"
  # irq_sim as a module: it needs a licence, and irq_to_desc is not exported.
  sed -i 's/irq_to_desc(\([^)]*\))/irq_data_to_desc(irq_get_irq_data(\1))/g' "$b/irq_sim.c"
  printf '\nMODULE_LICENSE("GPL");\n' >> "$b/irq_sim.c"
  cat > "$b/Kbuild" <<'KB'
obj-m += irq_sim.o gpio-sim.o v4l2-mem2mem.o vicodec.o
vicodec-objs := vicodec-core.o codec-fwht.o codec-v4l2-fwht.o
KB
  log "building irq_sim, gpio-sim, v4l2-mem2mem, vicodec"
  make -s -C "/usr/src/linux-headers-$kver" M="$b" modules >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; die "module build failed"; }
  mkdir -p "$extra" && cp "$b"/*.ko "$extra/"
  depmod -b "$cache/image" "$kver"
  touch "$cache/ok-extra"
fi

# 3. Load order for every driver the rig promises.
mods="configfs vivid vicodec irq_sim gpio-sim bochs snd-aloop uinput evdev sch_netem usbip-core vhci-hcd uvcvideo"
order=()
for m in $mods; do
  deps=$(modprobe -d "$cache/image" -S "$kver" --show-depends "$m" 2>&1) || die "module $m: $deps"
  while read -r kw path _; do
    [ "$kw" = insmod ] || continue
    seen=0
    for o in "${order[@]:-}"; do [ "$o" = "$path" ] && seen=1; done
    [ $seen = 1 ] || order+=("$path")
  done <<<"$deps"
done

# 4. The in-VM test binary: static, pitchbox's own packages.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "building the in-VM tests"
# Built with cgo, as the box ships (x264, AAC); its shared libraries and
# the dynamic loader go into the initramfs.
(cd "$root" && CGO_ENABLED=1 go test -c -tags hil -o "$work/vmtest" ./hil/vmtest) || die "go test -c failed"

# 5. initramfs: busybox, the modules in load order, the tests, /init.
ir=$work/initramfs
mkdir -p "$ir"/{bin,dev,proc,sys,tmp,lib/modules,run}
cp /bin/busybox "$ir/bin/busybox"
: > "$ir/modules.list"
for p in "${order[@]}"; do
  cp "$p" "$ir/lib/modules/"
  echo "$(basename "$p")" >> "$ir/modules.list"
done
cp "$work/vmtest" "$ir/vmtest"
# iproute2's tc (busybox's has no netem) for the SRT loss test.
tc=$(command -v tc || echo /usr/sbin/tc)
[ -x "$tc" ] || die "no tc (apt-get install iproute2)"
mkdir -p "$ir/rig" && cp "$tc" "$ir/rig/tc" # apart from busybox's applets
for lib in $( (ldd "$work/vmtest"; ldd "$tc") | awk '/=>/ {print $3} /^\t\/lib/ {print $1}' | sort -u); do
  [ -f "$lib" ] || continue
  mkdir -p "$ir$(dirname "$lib")"
  cp -L "$lib" "$ir$lib"
done
# The display test draws with the Go font and DejaVu Sans.
mkdir -p "$ir/usr/share/fonts/truetype/dejavu"
cp /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf "$ir/usr/share/fonts/truetype/dejavu/"
cp "$here/init.sh" "$ir/init"
chmod +x "$ir/init"
(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1 > "$work/initramfs.gz")

# 6. Boot. The guest reports through isa-debug-exit: QEMU exits with
#    (status << 1) | 1, so 1 is success. When the display test says its
#    picture is up, the host takes a screendump of bochs's screen through
#    the monitor socket.
(cd "$root" && go build -o "$work/qmon" ./hil/qmon) || die "cannot build hil/qmon"
screendump() { "$work/qmon" "$work/monitor.sock" screendump "$work/screen.ppm" && [ -s "$work/screen.ppm" ]; }
log "booting ($(du -h "$work/initramfs.gz" | cut -f1) initramfs, ${#order[@]} modules)"
set +e
timeout 280 qemu-system-x86_64 -accel tcg -m 1G -smp 2 -nodefaults -no-reboot \
  -display none -serial stdio -vga std \
  -monitor "unix:$work/monitor.sock,server,nowait" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  -kernel "$vmlinuz" -initrd "$work/initramfs.gz" \
  -append "console=ttyS0 panic=-1 loglevel=4 vt.global_cursor_default=0 pitchbox.run=$run_re" | while IFS= read -r line; do
    line=${line%$'\r'} # unbuffered, so the host sees each line as it comes
    printf '%s\n' "$line"
    if [ "$line" = "PITCHBOX-SCREEN-READY" ]; then
      touch "$work/screen.asked"
      screendump && log "screendump taken" || log "screendump failed"
    fi
  done
rc=${PIPESTATUS[0]}
set -e
case $rc in
  1) ;;
  124) die "the VM did not finish within 280 s" ;;
  *) die "in-VM tests failed (QEMU exit $rc)" ;;
esac
# 7. The screen: what QEMU shows must match the golden picture outside
#    the live preview.
if [ -f "$work/screen.asked" ]; then
  [ -f "$work/screen.ppm" ] || die "no screendump of the display test's picture"
  (cd "$root" && go run ./hil/screencheck -out "${PITCHBOX_SCREEN_OUT:-$work/screen.png}" "$work/screen.ppm") || die "the screen does not match the golden picture"
elif echo TestScreenForScreendump | grep -Eq -- "$run_re"; then
  die "the display test never drew its picture"
fi
log "PASS"
