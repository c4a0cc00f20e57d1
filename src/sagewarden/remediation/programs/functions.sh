# The bash functions of a generated fix script (`sagewarden fix plan --format script`),
# written into it after its variables: AWS_OPTS (the section's --region and --profile),
# SW_POLL_SECONDS and SW_POLL_TRIES, SW_PY (programs/helpers.py) and SW_TAGS.
# shellcheck shell=bash
sw_say() { printf 'sagewarden: %s\n' "$*"; }
sw_fail() { printf 'sagewarden: FAILED: %s\n' "$*" >&2; exit 1; }
# Every AWS call: the section's --region (and --profile); stdin never consumed.
sw_aws() { aws "$@" ${AWS_OPTS[@]+"${AWS_OPTS[@]}"} </dev/null; }

# A notebook's status, or Absent.
sw_nb_status() {
  sw_aws sagemaker describe-notebook-instance --notebook-instance-name "$1" \
    --query NotebookInstanceStatus --output text 2>/dev/null || echo Absent
}

# SW_TAGS=(--tags JSON) with the user tags of an ARN, or () when it has none.
sw_tags_from() {
  local tags
  # shellcheck disable=SC2016  # the backticks are a JMESPath literal, for the AWS CLI
  tags=$(sw_aws sagemaker list-tags --resource-arn "$1" \
    --query 'Tags[?!starts_with(Key, `aws:`)]' --output json)
  SW_TAGS=()
  # shellcheck disable=SC2034  # SW_TAGS is read by the script's creates
  case "$tags" in
    '' | '[]' | null) ;;
    *) SW_TAGS=(--tags "$tags") ;;
  esac
}

# Poll until a monitoring schedule has left Pending (fails on Failed).
sw_wait_schedule() {
  local name=$1 tries=0 status
  while :; do
    status=$(sw_aws sagemaker describe-monitoring-schedule --monitoring-schedule-name "$name" \
      --query MonitoringScheduleStatus --output text)
    case "$status" in
      Pending) ;;
      Failed) sw_fail "monitoring schedule $name is Failed" ;;
      *) sw_say "monitoring schedule $name is $status"; return 0 ;;
    esac
    tries=$((tries + 1))
    [ "$tries" -lt "$SW_POLL_TRIES" ] || sw_fail "monitoring schedule $name still Pending"
    sleep "$SW_POLL_SECONDS"
  done
}

# Poll until an inference experiment has left Creating, Updating, Starting and
# Stopping; print its status.
sw_experiment_status() {
  local name=$1 tries=0 status
  while :; do
    status=$(sw_aws sagemaker describe-inference-experiment --name "$name" \
      --query Status --output text)
    case "$status" in
      Creating | Updating | Starting | Stopping) ;;
      *) printf '%s\n' "$status"; return 0 ;;
    esac
    tries=$((tries + 1))
    [ "$tries" -lt "$SW_POLL_TRIES" ] || sw_fail "inference experiment $name is still $status"
    sleep "$SW_POLL_SECONDS"
  done
}

# The names of the monitoring schedules referencing a job definition, one a line.
sw_schedules_of() {
  sw_aws sagemaker list-monitoring-schedules --monitoring-job-definition-name "$1" \
    --query 'MonitoringScheduleSummaries[].MonitoringScheduleName' --output json \
    | python3 -c "$SW_PY" lines
}

sw_endpoints() {
  sw_aws sagemaker list-endpoints --query 'Endpoints[].EndpointName' --output json \
    | python3 -c "$SW_PY" lines
}

sw_endpoint_configs() {
  sw_aws sagemaker list-endpoint-configs --query 'EndpointConfigs[].EndpointConfigName' \
    --output json | python3 -c "$SW_PY" lines
}

# Every endpoint on config $1 moves to config $2 (blue/green), waited and checked.
sw_update_endpoints() {
  local from=$1 to=$2 eps e cfg
  eps=$(sw_endpoints)
  while IFS= read -r e; do
    [ -n "$e" ] || continue
    cfg=$(sw_aws sagemaker describe-endpoint --endpoint-name "$e" \
      --query EndpointConfigName --output text)
    [ "$cfg" = "$from" ] || continue
    sw_say "endpoint $e: $from -> $to"
    sw_aws sagemaker update-endpoint --endpoint-name "$e" --endpoint-config-name "$to"
    sw_aws sagemaker wait endpoint-in-service --endpoint-name "$e"
    cfg=$(sw_aws sagemaker describe-endpoint --endpoint-name "$e" \
      --query EndpointConfigName --output text)
    [ "$cfg" = "$to" ] || sw_fail "endpoint $e is on $cfg, not $to (update rolled back?)"
  done <<<"$eps"
}

# Delete an endpoint config unless it is gone already; fail while an endpoint uses it.
sw_delete_endpoint_config() {
  local name=$1 eps e cfg
  if ! sw_aws sagemaker describe-endpoint-config --endpoint-config-name "$name" \
    >/dev/null 2>&1; then
    sw_say "endpoint config $name: already deleted"
    return 0
  fi
  eps=$(sw_endpoints)
  while IFS= read -r e; do
    [ -n "$e" ] || continue
    cfg=$(sw_aws sagemaker describe-endpoint --endpoint-name "$e" \
      --query EndpointConfigName --output text)
    [ "$cfg" != "$name" ] ||
      sw_fail "endpoint config $name is still used by endpoint $e: not deleted"
  done <<<"$eps"
  sw_aws sagemaker delete-endpoint-config --endpoint-config-name "$name"
}

# Poll until an S3 object exists; print its metadata (JSON).
sw_wait_object() {
  local bucket=$1 key=$2 tries=0 meta
  while ! meta=$(sw_aws s3api head-object --bucket "$bucket" --key "$key" \
    --query Metadata --output json 2>/dev/null); do
    tries=$((tries + 1))
    [ "$tries" -lt "$SW_POLL_TRIES" ] || sw_fail "s3://$bucket/$key did not appear"
    sleep "$SW_POLL_SECONDS"
  done
  printf '%s\n' "$meta"
}
