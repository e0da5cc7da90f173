#!/usr/bin/env bash
# Refreshes shouhu/registry/data/surname_readings.json: how a character (or a compound surname)
# reads *as a surname* (朴 piáo, 曾 zēng, 单 shàn, 解 xiè, 仇 qiú, 尉迟 yù chí …), taken from the
# surname table of pinyin-pro (MIT, maintained; pypinyin has no surname mode, see its issue #297).
# The table is data, not code: the app reads the checked-in JSON and needs neither node nor npm;
# this script (npm and node, run by hand) only brings a newer table. Usage:
#   scripts/update-surname-readings.sh [VERSION]     (default: the version recorded in the file)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=shouhu/registry/data/surname_readings.json
VERSION="${1:-$(python3 -c "import json; print(json.load(open('$OUT'))['version'])" 2>/dev/null || echo 3.29.4)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "pinyin-pro@${VERSION}" >/dev/null && tar xzf pinyin-pro-*.tgz)
node --input-type=module - "$tmp/package" "$VERSION" >"$OUT.new" <<'JS'
const [dir, version] = process.argv.slice(2);
const { default: surnames } = await import(`${dir}/dist/esm/data/surname.mjs`);
const readings = Object.fromEntries(Object.keys(surnames).sort().map((k) => [k, surnames[k]]));
const out = {
  source: "pinyin-pro (npm), dist/esm/data/surname.mjs",
  version,
  license: "MIT, Copyright (c) 2022-present zh-lx",
  refresh: "scripts/update-surname-readings.sh",
  readings,
};
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
JS
mv "$OUT.new" "$OUT"
echo "$OUT: $(python3 -c "import json; print(len(json.load(open('$OUT'))['readings']))" ) surnames from pinyin-pro@${VERSION}"
