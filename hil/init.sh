#!/bin/busybox sh
# /init of the rig's initramfs: mount, load the drivers, run the tests,
# report through isa-debug-exit (port 0xf4).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run

report() {
  # One byte to the isa-debug-exit port ends QEMU with (byte << 1) | 1.
  printf "\\$(printf '%03o' "$1")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
  poweroff -f
}

for m in $(cat /modules.list); do
  name=${m%.ko}
  case $name in
    vivid) args="n_devs=1 node_types=0x1 multiplanar=1" ;;
    *) args="" ;;
  esac
  if ! insmod "/lib/modules/$m" $args; then
    echo "RIG: FAIL: cannot load $m"
    report 2
  fi
done
mount -t configfs none /sys/kernel/config

run=.
for w in $(cat /proc/cmdline); do
  case $w in pitchbox.run=*) run=${w#pitchbox.run=} ;; esac
done
echo "RIG: drivers loaded; running in-VM tests matching '$run'"
cd /tmp
/vmtest -test.v -test.timeout 240s -test.run "$run"
rc=$?
echo "RIG: tests exited $rc"
[ $rc -eq 0 ] && report 0
report 1
