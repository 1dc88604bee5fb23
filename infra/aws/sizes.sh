#!/usr/bin/env bash
# Each function's deployment size: zips its built bootstrap the way `sam package`/`sam deploy`
# do (DEFLATE) and prints bootstrap and zip sizes, largest first.
#
#   infra/aws/sizes.sh           print the table for the last `infra/aws/sam.sh prebuild` or `build`
#   infra/aws/sizes.sh --write   also put it into docs/aws.md, between its sizes markers
#   infra/aws/sizes.sh --partial measure the functions that are built (a prebuild of some, with
#                                --bin) and name the others; with --write too, the docs say so
#
# The aim is a zip of 4 MiB or less per function, AWS SDK included; a larger one is flagged.
# Only figures from a default (release profile) build belong in the docs.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# cargo-lambda's output, which `sam.sh prebuild` writes and `sam build` copies from (in
# CARGO_TARGET_DIR when that is set, as cargo-lambda builds there then).
build_dir="${CARGO_TARGET_DIR:-$root/target}/lambda"
write=false
partial=false
for arg in "$@"; do
  case "$arg" in
    --write) write=true ;;
    --partial) partial=true ;;
    *)
      echo "usage: $0 [--write] [--partial]" >&2
      exit 2
      ;;
  esac
done
if [ "$write" = true ] && [ "${JOBSMITH_SAM_PROFILE:-release}" != release ]; then
  echo "sizes.sh: not writing figures of a ${JOBSMITH_SAM_PROFILE} build into the docs" >&2
  exit 2
fi
rustc_version="$("$root/infra/aws/sam.sh" rustc-version 2>/dev/null || echo "rustc (unknown)")"

python3 - "$root" "$build_dir" "$write" "$rustc_version" "$partial" <<'PY'
import io
import os
import re
import sys
import zipfile
from datetime import date

root, build_dir, write, rustc, partial = sys.argv[1], sys.argv[2], sys.argv[3] == "true", sys.argv[4], sys.argv[5] == "true"
LIMIT = 4 * 1024 * 1024
BEGIN, END = "<!-- sizes:begin -->", "<!-- sizes:end -->"

# Logical id -> crate binary, from the template.
binaries, resource = {}, None
with open(os.path.join(root, "template.yaml")) as template:
    for line in template:
        if m := re.match(r"^  ([A-Za-z0-9]+):\s*$", line):
            resource = m.group(1)
        elif (m := re.match(r"^\s+Binary:\s*(\S+)\s*$", line)) and resource:
            binaries[resource] = m.group(1)

rows, missing = [], []
for logical_id, binary in sorted(binaries.items()):
    path = os.path.join(build_dir, binary, "bootstrap")
    if not os.path.isfile(path):
        if not partial:
            sys.exit(f"sizes.sh: {path} is missing: run infra/aws/sam.sh prebuild first")
        missing.append(binary)
        continue
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, "bootstrap")
    rows.append((binary, os.path.getsize(path), len(buffer.getvalue())))
rows.sort(key=lambda row: (-row[2], row[0]))

mib = lambda n: f"{n / 1024 / 1024:.2f}"
lines = [
    "| function | bootstrap (MiB) | zipped (MiB) |",
    "|---|--:|--:|",
]
for name, raw, zipped in rows:
    flag = "" if zipped <= LIMIT else " (over 4 MiB)"
    lines.append(f"| {name} | {mib(raw)} | {mib(zipped)}{flag} |")
total = sum(z for _, _, z in rows)
lines.append("")
lines.append(
    f"Measured {date.today().isoformat()} with `infra/aws/sizes.sh` after `infra/aws/sam.sh prebuild` "
    f"(release profile at opt-level z, arm64, {rustc}); {len(rows)} functions, {mib(total)} MiB zipped in all."
)
if missing:
    lines[-1] += f" Not built, so not measured: {len(missing)} functions ({', '.join(sorted(missing))})."
table = "\n".join(lines)
print(table)
over = [name for name, _, zipped in rows if zipped > LIMIT]
if over:
    print(f"sizes.sh: over 4 MiB zipped: {', '.join(over)}", file=sys.stderr)

if write:
    docs = os.path.join(root, "docs", "aws.md")
    text = open(docs).read()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        sys.exit(f"sizes.sh: {docs} has no {BEGIN} ... {END} section")
    text = text[: start + len(BEGIN)] + "\n" + table + "\n" + text[end:]
    open(docs, "w").write(text)
    print(f"sizes.sh: wrote the figures into {docs}", file=sys.stderr)
PY
