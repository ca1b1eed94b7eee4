#!/usr/bin/env bash
# Writes /usr/share/doc/pitchbox/copyright to stdout: pitchbox itself, then
# every Go module linked into the binary (they are compiled in statically)
# and the Go standard library, each with its licence as shipped in the
# module. Apache-2.0 texts point to /usr/share/common-licenses instead of
# being repeated.
set -euo pipefail
cd "$(dirname "$0")/.."
go=${GO:-go}

cat <<'EOF'
pitchbox: firmware for a live-selling box
Homepage: https://github.com/pitchbox/pitchbox

Copyright: the pitchbox authors (see the project's git history).

The repository carries no licence file yet: until one is added, no licence
is granted for pitchbox's own code beyond what its authors state.

The binary /usr/bin/pitchbox links these shared libraries from Debian,
each under its own package's copyright: libx264, libavcodec, libavutil,
libturbojpeg, libsrt, libopus (BSD-3-Clause), libc6.

It contains, compiled in, the Go standard library and the Go modules
below, each under the licence that follows its name.
EOF

license_of() { # DIR: prints the licence text of a module, or a pointer to it
  local f
  f=$(find "$1" -maxdepth 1 -type f \( -iname 'LICEN[CS]E*' -o -iname 'COPYING*' -o -iname 'UNLICENSE*' \) | sort | head -1)
  if [ -z "$f" ]; then
    echo "  (no licence file in the module)"
  elif grep -q 'Apache License' "$f" && grep -q 'Version 2.0' "$f"; then
    echo "  Apache-2.0: see /usr/share/common-licenses/Apache-2.0"
    [ -f "$1/NOTICE" ] && sed -e 's/^[[:space:]]*$/./' -e 's/^/  /' "$1/NOTICE"
    true
  else
    sed -e 's/[[:space:]]*$//' -e 's/^$/./' -e 's/^/  /' "$f"
  fi
}

printf '\nGo standard library (%s)\n' "$($go env GOVERSION)"
license_of "$($go env GOROOT)"

$go list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}' ./cmd/pitchbox |
  sort -u | while read -r path version dir; do
    printf '\n%s %s\n' "$path" "$version"
    license_of "$dir"
  done
