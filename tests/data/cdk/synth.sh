#!/usr/bin/env bash
# Remakes APP_DIR/cdk.out with the real CDK, for each app's regenerate.sh:
#   synth.sh APP_DIR [EXTRA_PATH...]
# Copies app.js, cdk.json, package.json, package-lock.json (and the extra paths, such as
# lib/) into a temporary folder, runs `npm ci` (aws-cdk-lib, constructs and the aws-cdk CLI at
# the versions package-lock.json pins, from the npm registry) and `cdk synth` there, so that
# node_modules never lands in the repository, then replaces APP_DIR/cdk.out. Needs node and
# npm; no AWS credentials or network beyond the npm registry (the apps name their accounts
# and Regions or make no context lookups, so synth asks AWS nothing). The caller's
# environment reaches `cdk synth` (CDK_DEBUG, for one).
set -euo pipefail
here=$(cd "$1" && pwd)
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for name in app.js cdk.json package.json package-lock.json "$@"; do
  cp -r "$here/$name" "$work"/
done
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=1
(
  cd "$work"
  npm ci --no-audit --no-fund --loglevel=error
  npx --no-install cdk synth --quiet --no-notices --no-version-reporting --output cdk.out \
    >/dev/null
)
rm -rf "$here/cdk.out"
cp -r "$work/cdk.out" "$here/cdk.out"
echo "wrote $here/cdk.out: $(cd "$here/cdk.out" && ls | tr '\n' ' ')"
