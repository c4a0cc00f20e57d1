#!/usr/bin/env bash
# Regenerates cdk.out/ here from app.js and lib/ with the real CDK: `npm ci` (aws-cdk-lib,
# constructs and the aws-cdk CLI at the versions package-lock.json pins, from the npm
# registry) then `cdk synth`, in a temporary copy so that node_modules never lands in the
# repository. Creation stacks are on (aws-cdk-lib's default; CDK_DEBUG=true forces them even
# against the aws:cdk:disable-creation-stack-traces context), so the metadata names the
# temporary copy's app.js and lib/ml.js lines: sagewarden maps them back to this folder.
# Needs node and npm; no AWS credentials or network beyond the npm registry (the stack names
# its account and Region, so synth looks nothing up).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here"/app.js "$here"/lib "$here"/cdk.json "$here"/package.json "$here"/package-lock.json \
  "$work"/
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=1 CDK_DEBUG=true
(
  cd "$work"
  npm ci --no-audit --no-fund --loglevel=error
  npx --no-install cdk synth --quiet --no-notices --no-version-reporting --output cdk.out \
    >/dev/null
)
rm -rf "$here/cdk.out"
cp -r "$work/cdk.out" "$here/cdk.out"
echo "wrote $here/cdk.out: $(cd "$here/cdk.out" && ls | tr '\n' ' ')"
