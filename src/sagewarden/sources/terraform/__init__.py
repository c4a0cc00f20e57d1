"""Terraform plans (`terraform show -json PLANFILE`) as a source.

Each SageMaker resource the plan leaves in place (create, update, replace, no-op) becomes a
canonical resource with CloudFormation property names (the table in mapping);
destroyed and forgotten resources and data sources are not evaluated. Values come from
`resource_changes[].change.after`; resources found only in `planned_values` (older
formats) use those values.

Decisions:

- Unknown values. Where `after_unknown` marks a value known only after apply, the
  property holds an `UnresolvedValue` (a whole block when the whole block is unknown), so
  controls answer UNKNOWN instead of guessing. Its reason names the reference when the
  configuration shows a single one ("comes from aws_subnet.private.id, known only after
  apply"), and when that reference is a resource of the plan, `target` is its full
  address so SageMaker.14 can follow a schedule to a job definition whose name is not yet
  known. An unknown value the configuration does not set at all is a default the provider
  or AWS fills in at apply (awscc marks almost every optional attribute so): it is left
  absent, so the controls apply the AWS default, as for any unset field. Where one
  non-constant expression sets a whole awscc object, the plan does not say which fields
  it sets: an unknown field counts as set when an unknown reference of the expression can
  feed it (its attribute name ends the field's name: `monitoring_job_definition_name` <-
  `...dq.job_definition_name`), as unset when every unknown reference feeds another field,
  and stays unknown otherwise. An unknown inside an aws block the configuration does not
  show (a `dynamic` block) stays unknown.
- Absent and null attributes stay absent (the controls apply the AWS defaults).
- Tags are a map of keys (values never matter). aws: `tags_all`, which includes the
  provider's `default_tags`; when `tags_all` is known only after apply (a tag value comes
  from another resource), the keys are those of `tags` plus the provider's `default_tags`
  read from the plan's configuration. When even that leaves keys unknown (tags built by an
  expression, default tags from a non-constant expression), the keys known now are used,
  `extra["tags_unresolved"]` says why and an INFO diagnostic is added: a resource with
  the required keys passes, one without them may gain them at apply. awscc: `tags`, a list
  of {key, value}. No tags in the plan means no tags ({}), never "not recorded".
- Resource: `id` is the Terraform address, `name` the resource's own name when known
  (else the address), `arn` the planned ARN when known. The plan has no line numbers.
- Malformed input gives one diagnostic per problem naming the file and the address; a
  SageMaker resource that cannot be read is kept with `read_error`, so its controls say
  ERROR rather than nothing.

The modules, each with one job: plan (the document and its entries), index (the whole
plan, for references between resources), addresses (instance addresses and references),
expressions (what the configuration says about a value), unknowns (values known only after
apply), mapping (Terraform types and names -> CloudFormation), tags (tag keys from either
provider), resource (one entry -> one canonical resource).
"""

from __future__ import annotations

from sagewarden.sources.terraform.addresses import parse_address
from sagewarden.sources.terraform.expressions import AFTER_APPLY
from sagewarden.sources.terraform.plan import is_plan, read_plan

__all__ = ["AFTER_APPLY", "is_plan", "parse_address", "read_plan"]
