set -euo pipefail
if [ "$ACTION" = backup ]; then
  aws s3 sync "$VOLUME" "s3://$BUCKET/$PREFIX" --delete --exclude "_sagewarden/*" --no-progress
else
  mkdir -p "$VOLUME"
  aws s3 sync "s3://$BUCKET/$PREFIX" "$VOLUME" --exclude "_sagewarden/*" --no-progress
  chown -R ec2-user:ec2-user "$VOLUME"
fi
FILES=$(find "$VOLUME" -type f -not -path "$VOLUME/_sagewarden/*" | wc -l)
BYTES=$(find "$VOLUME" -type f -not -path "$VOLUME/_sagewarden/*" -printf "%s\n" \
  | awk "{ s += \$1 } END { printf \"%d\", s }")
FILES=$((FILES + 0))
BYTES=$((BYTES + 0))
BODY=$(mktemp)
printf "{\"files\": %d, \"bytes\": %d}\n" "$FILES" "$BYTES" > "$BODY"
aws s3 cp "$BODY" "s3://$BUCKET/$MANIFEST" --content-type application/json \
  --metadata "files=$FILES,bytes=$BYTES" --no-progress
rm -f "$BODY"
echo "sagewarden $ACTION done: $FILES files, $BYTES bytes"
