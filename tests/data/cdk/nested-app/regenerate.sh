#!/usr/bin/env bash
# Regenerates cdk.out/ here from app.js with the real CDK (see ../synth.sh).
set -euo pipefail
here=$(dirname "$0")
exec "$here/../synth.sh" "$here"
