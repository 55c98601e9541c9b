#!/usr/bin/env bash
# Fails when packages/transport/src/generated does not match proto/ (someone edited one without the other).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r packages/transport/src/generated "$tmp/before"
bash scripts/gen-proto.sh
if ! diff -r "$tmp/before" packages/transport/src/generated; then
  echo "proto:check: generated code is out of date; run 'npm run proto:gen' and commit the result" >&2
  exit 1
fi
echo "proto:check: generated code matches proto/"
