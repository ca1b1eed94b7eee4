#!/usr/bin/env bash
# Prints the Debian version of the package built from this tree.
#
# The newest entry of packaging/changelog names the release being worked
# towards, V-R (R: the packaging revision). At the tag vV: V-R. Before the
# tag vV exists: V~gitYYYYMMDD.HASH-R (sorts before V-R); after it:
# V+gitYYYYMMDD.HASH-R (sorts after it), with the date and hash of HEAD.
# Outside git: V~dev-R.
set -euo pipefail
cd "$(dirname "$0")/.."
full=$(sed -n '1s/^pitchbox (\([^)]*\)).*/\1/p' packaging/changelog)
case "$full" in
  *-*) v=${full%-*} rev=${full##*-} ;;
  *) echo "version.sh: packaging/changelog's first version ($full) has no Debian revision (-1)" >&2; exit 1 ;;
esac
if ! git rev-parse --verify -q HEAD >/dev/null 2>&1; then
  echo "$v~dev-$rev"
  exit 0
fi
if [ "$(git tag --points-at HEAD -l "v$v")" = "v$v" ]; then
  echo "$full"
  exit 0
fi
snap="git$(git log -1 --format=%cd --date=format:%Y%m%d).$(git rev-parse --short=7 HEAD)"
if git rev-parse -q --verify "refs/tags/v$v" >/dev/null; then
  echo "$v+$snap-$rev"
else
  echo "$v~$snap-$rev"
fi
