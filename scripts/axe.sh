#!/usr/bin/env bash
# Fetches axe-core, pinned, for the end-to-end accessibility checks
# (e2e/seller_test.go) into e2e/testdata/axe/: a test-only copy, ignored by
# git and never served by the panel. npm checks the package against the
# registry's integrity hash; this script checks it again against the one
# pinned here. `make deps-test` runs it; it does nothing when the pinned
# version is there already.
set -euo pipefail
version=4.14.1
integrity=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
cd "$(dirname "$0")/.."
dest=e2e/testdata/axe
if [ -f "$dest/axe.min.js" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "axe.sh: npm is needed to fetch axe-core $version for the e2e tests: sudo apt-get install npm" >&2
    exit 1
  fi
  echo "installing: npm" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent --ignore-scripts "axe-core@$version" >/dev/null)
tgz="$tmp/axe-core-$version.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$integrity" ]; then
  echo "axe.sh: axe-core-$version.tgz has integrity $got, want $integrity" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp" package/axe.min.js package/LICENSE
install -D -m 0644 "$tmp/package/axe.min.js" "$dest/axe.min.js"
install -D -m 0644 "$tmp/package/LICENSE" "$dest/LICENSE"
echo "$version" >"$dest/VERSION"
echo "axe.sh: axe-core $version in $dest" >&2
