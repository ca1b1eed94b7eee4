// Package vmtest holds pitchbox's tests that need real kernel drivers. They
// are built with the "hil" tag into a static test binary that hil/rig.sh
// runs inside a QEMU VM with vivid, vicodec, gpio-sim, bochs, snd-aloop,
// uinput and vhci-hcd + uvcvideo (with hil/uvcdev's emulated webcam)
// loaded. On the host the package is empty.
package vmtest
