#!/usr/bin/env bash
# Regenerates each DIR/plan.json here from DIR/main.tf with the real terraform CLI:
# `terraform plan -out` then `terraform show -json`; `regenerate.sh DIR...` does only those
# (a plan records when it was made: one regenerated unchanged still shows in a diff). Needs
# terraform and the hashicorp/aws provider (a filesystem mirror is used when TF_PLUGIN_MIRROR
# or /opt/tf-plugins has one); no AWS credentials or network: the provider is told to skip
# every AWS call.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mirror=${TF_PLUGIN_MIRROR:-/opt/tf-plugins}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -d "$mirror/registry.terraform.io" ]; then
  cat > "$work/cli.tfrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/*/*"]
  }
  direct { exclude = ["registry.terraform.io/*/*"] }
}
RC
  export TF_CLI_CONFIG_FILE="$work/cli.tfrc"
fi
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
if [ $# -gt 0 ]; then dirs=("${@/#/$here/}"); else dirs=("$here"/*/); fi
for dir in "${dirs[@]}"; do
  dir="${dir%/}/"
  name=$(basename "$dir")
  rm -rf "$work/$name" && cp -r "$dir" "$work/$name"
  (
    cd "$work/$name"
    rm -f plan.json
    terraform init -input=false -no-color >/dev/null
    terraform plan -input=false -no-color -refresh=false -out=tfplan >/dev/null
    terraform show -json tfplan | python3 -m json.tool --indent 1 > "$dir/plan.json"
  )
  echo "wrote ${dir}plan.json"
done
