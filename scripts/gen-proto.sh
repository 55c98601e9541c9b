#!/usr/bin/env bash
# Regenerates the TypeScript for proto/ into packages/transport/src/generated (committed).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf packages/transport/src/generated
npx buf lint
npx buf generate
# The generated files are formatted like the rest of the code so the check below is stable.
npx biome format --write packages/transport/src/generated >/dev/null
