#!/usr/bin/env bash
# Regenerates cdk.out/ here from app.js and lib/ with the real CDK (see ../synth.sh).
# Creation stacks are on (aws-cdk-lib's default; CDK_DEBUG=true forces them even against the
# aws:cdk:disable-creation-stack-traces context), so the metadata names the temporary copy's
# app.js and lib/ml.js lines: sagewarden maps them back to this folder.
set -euo pipefail
here=$(dirname "$0")
CDK_DEBUG=true exec "$here/../synth.sh" "$here" lib
