#!/usr/bin/env bash
# Writes pitchbox(1) in roff to stdout: the commands as `pitchbox help`
# prints them (so the page cannot drift from the binary), and the files,
# exit codes and service the package sets up.
#
#   packaging/manpage.sh VERSION DATE
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: manpage.sh VERSION DATE}
date=${2:?usage: manpage.sh VERSION DATE}
usage=$(CGO_ENABLED=0 "${GO:-go}" run ./cmd/pitchbox help 2>&1)
esc() { sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/' -e 's/-/\\-/g'; }

cat <<EOF
.TH PITCHBOX 1 "$date" "pitchbox $version" "User Commands"
.SH NAME
pitchbox \- live\-selling box: camera, QR overlays and chat, streamed to Amazon IVS
.SH SYNOPSIS
.B pitchbox
.I COMMAND
.RI [ flags ]
.SH DESCRIPTION
.B pitchbox run
is the box: it captures the camera (or a test pattern), puts the overlay
chosen by a button, a keypad, the web panel or
.B pitchbox show
onto the picture, encodes H.264 and AAC and streams to Amazon IVS over
RTMPS, or records FLV files in its state directory when no destination is
set. The other commands talk to a running box through its control socket,
or check the machine.
.PP
.nf
EOF
esc <<<"$usage"
cat <<'EOF'
.fi
.SH FILES
.TP
.I /etc/pitchbox/pitchbox.toml
The configuration the service runs with; the web panel saves its changes
here.
.TP
.I /var/lib/pitchbox
The state directory: recordings, secrets, uploads, the panel's password.
.TP
.I /run/pitchbox/control.sock
The control socket (mode 0660).
.SH EXIT STATUS
0 on success (also after SIGINT or SIGTERM, once the stream is closed),
1 on failure, 2 on bad usage or configuration.
.SH SERVICE
The package installs
.I pitchbox.service
enabled but not started: start it with
.BR "systemctl start pitchbox" ;
.B journalctl \-u pitchbox
shows its log.
.SH SEE ALSO
.BR systemctl (1),
.BR journalctl (1);
/usr/share/doc/pitchbox/README.md.gz
EOF
