"""Terraform configuration (`.tf`, `.tf.json`) read without a plan.

What the configuration states is evaluated (literals, locals, variable defaults and
`.tfvars`, local modules, `count` / `for_each` over known values, interpolation, the
functions in `functions`, references to attributes the configuration sets); anything else
(an attribute the provider computes, a data source, another function, a remote module not
fetched by `terraform init`) is an `UnresolvedValue` naming it and the commands that make
the plan that gives the exact answer, so a verdict that depends on it is UNKNOWN.

The resource instances are put into a plan's shape and read by the plan source
(`sagewarden.sources.terraform`): one mapping from Terraform to CloudFormation.

Modules, each with one job: syntax (files -> blocks of unevaluated expressions),
evaluate (one expression -> a value), functions (the Terraform functions evaluated),
module (one module instance: its scope, resources and calls), configuration (a root
module as a whole -> canonical resources).
"""

from __future__ import annotations

from sagewarden.sources.tfconfig.configuration import (
    ConfigurationReader,
    local_module_dirs,
    plan_commands,
)

__all__ = ["ConfigurationReader", "local_module_dirs", "plan_commands"]
