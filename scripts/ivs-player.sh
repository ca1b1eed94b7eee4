#!/usr/bin/env bash
# Fetches the Amazon IVS Player (npm amazon-ivs-player, pinned with its
# dependencies in scripts/ivs-player/package-lock.json) for the buyers'
# page, bundles it with esbuild into one classic script that defines
# window.IVSPlayer, and puts it with the player's wasm worker files in
# viewer/vendor/ (ignored by git). `pitchbox viewer export` copies them
# beside the page; `make deps-test` runs this for the e2e tests. npm ci
# checks every package against the lockfile's sha512; the player's tarball
# is checked again against the hash pinned here. It does nothing when the
# pinned version is there already.
set -euo pipefail
version=1.56.1
integrity=sha512-TSUxWxnko8w+EPZvtdWxPjkGF0GPeWhsg8Q5uguXdUX57hYV8AWdWMSty19okn1PdcLtr+jGyL4ehQRtKQRz2w==
cd "$(dirname "$0")/.."
dest=viewer/vendor
if [ -f "$dest/amazon-ivs-player.js" ] && [ -f "$dest/amazon-ivs-wasmworker.min.wasm" ] &&
  [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ivs-player.sh: npm is needed to fetch amazon-ivs-player $version: sudo apt-get install npm" >&2
    exit 1
  fi
  echo "installing: npm" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp scripts/ivs-player/package.json scripts/ivs-player/package-lock.json scripts/ivs-player/entry.js "$tmp/"
(cd "$tmp" && npm ci --silent --ignore-scripts --no-audit --no-fund >/dev/null)
(cd "$tmp" && npm pack --silent --ignore-scripts "amazon-ivs-player@$version" >/dev/null)
got="sha512-$(openssl dgst -sha512 -binary "$tmp/amazon-ivs-player-$version.tgz" | base64 -w0)"
if [ "$got" != "$integrity" ]; then
  echo "ivs-player.sh: amazon-ivs-player-$version.tgz has integrity $got, want $integrity" >&2
  exit 1
fi
(cd "$tmp" && node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --platform=browser \
  --target=es2019 --log-level=warning --outfile=amazon-ivs-player.js)
assets="$tmp/node_modules/amazon-ivs-player/dist/assets"
install -D -m 0644 "$tmp/amazon-ivs-player.js" "$dest/amazon-ivs-player.js"
install -D -m 0644 "$assets/amazon-ivs-wasmworker.min.js" "$dest/amazon-ivs-wasmworker.min.js"
install -D -m 0644 "$assets/amazon-ivs-wasmworker.min.wasm" "$dest/amazon-ivs-wasmworker.min.wasm"
echo "$version" >"$dest/VERSION"
echo "ivs-player.sh: amazon-ivs-player $version in $dest" >&2
