#!/usr/bin/env bash
# Vendor the console's front-end packages into services/console/static/vendor.
#
# Versions are pinned in services/console/assets/package.json and package-lock.json; `npm ci`
# installs exactly those, and this script copies only the files the pages load. The result is
# committed, so the console never fetches anything from npm or a CDN at run time.
# Run it after changing a version:  bash scripts/vendor-console-assets.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ASSETS="$ROOT/services/console/assets"
VENDOR="$ROOT/services/console/static/vendor"
(cd "$ASSETS" && npm ci --ignore-scripts --no-audit --no-fund --silent)
rm -rf "$VENDOR" && mkdir -p "$VENDOR/gcds" "$VENDOR/gcds-fonts" "$VENDOR/htmx"
GCDS="$ASSETS/node_modules/@cdssnc/gcds-components"
# The lazy-loading ES module build (gcds.esm.js + its chunks), without source maps.
find "$GCDS/dist/gcds" -maxdepth 1 -type f \( -name '*.js' -o -name '*.css' \) -exec cp {} "$VENDOR/gcds/" \;
cp "$GCDS/LICENSE"* "$VENDOR/gcds/" 2>/dev/null || true
for family in icons lato noto-sans; do cp -r "$ASSETS/node_modules/@cdssnc/gcds-fonts/fonts/$family" "$VENDOR/gcds-fonts/"; done
cp "$ASSETS/node_modules/@cdssnc/gcds-fonts/LICENSE"* "$VENDOR/gcds-fonts/" 2>/dev/null || true
# gcds.css points its icon font at the design system's CDN: point it at the vendored copy instead.
sed -i -E 's#https://cdn\.design-system\.alpha\.canada\.ca/@cdssnc/gcds-fonts@[0-9.]+/#../gcds-fonts/#g' "$VENDOR/gcds/gcds.css"
sed -i "s#path/to/file/##g" "$VENDOR"/gcds-fonts/*/*.css
cp "$ASSETS/node_modules/htmx.org/dist/htmx.min.js" "$VENDOR/htmx/"
cp "$ASSETS/node_modules/htmx.org/LICENSE" "$VENDOR/htmx/"
if grep -rqE 'https?://(cdn|unpkg|fonts\.googleapis)' "$VENDOR"/gcds/gcds.css; then
  echo "vendored CSS still points at a CDN" >&2; exit 1
fi
(cd "$ASSETS" && node -e 'const l=require("./package-lock.json");for(const [k,v] of Object.entries(l.packages)){if(/^node_modules\/(@cdssnc\/gcds-(components|fonts)|htmx\.org)$/.test(k))console.log(k.slice(13)+"@"+v.version)}') > "$VENDOR/VERSIONS"
echo "vendored into $VENDOR:"; cat "$VENDOR/VERSIONS"
