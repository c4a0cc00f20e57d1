"""Evaluate resources against controls and apply the suppressions: the judging stage that
`scan`, `report` and `fix plan` share."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from typing import Any

from sagewarden.catalog import Control
from sagewarden.diagnostics import Diagnostics
from sagewarden.engine import evaluate
from sagewarden.params import ParamSet
from sagewarden.resources import Resource
from sagewarden.sources.cloudformation import parse_params_file
from sagewarden.suppressions import CONFIG_NAME, load_config
from sagewarden.suppressions import apply as apply_suppressions
from sagewarden.verdicts import Evaluation, Suppression


def judge(
    resources: Sequence[Resource],
    controls: Sequence[Control],
    params: ParamSet,
    suppressions: Sequence[Suppression],
    diags: Diagnostics,
    today: date | None = None,
    ordered: bool = True,
) -> list[Evaluation]:
    """Every verdict, suppressions applied, in report order unless `ordered` is false (the
    planner orders its own); problems go to `diags`."""
    result = evaluate(resources, controls, params)
    diags.extend(result.diagnostics)
    evaluations, problems = apply_suppressions(
        result.evaluations, suppressions, today or date.today()
    )
    diags.extend(problems)
    if ordered:
        evaluations.sort(key=order)
    return evaluations


def order(e: Evaluation) -> tuple[Any, ...]:
    """Report order: control, account, region, file, resource."""
    r = e.resource
    return (e.control.number, r.account_id or "", r.region or "", r.provenance.file or "", r.id)


def load_suppressions(path: str | None, diags: Diagnostics) -> list[Suppression]:
    """The suppressions file named (`--config`), else the default one here if any."""
    # lexists, not isfile: a FIFO or directory there is said by the loader (which reads
    # regular files only), never taken for "no suppressions".
    chosen = path or (CONFIG_NAME if os.path.lexists(CONFIG_NAME) else None)
    if chosen is None:
        return []
    if path and not os.path.lexists(chosen):
        diags.add(f"--config {chosen}", "no such file")
        return []
    found, problems = load_config(chosen)
    diags.extend(problems)
    return found


def terraform_variables(specs: Sequence[str], diags: Diagnostics) -> dict[str, str]:
    """--tf-var NAME=VALUE values (text, converted by each variable's declared type)."""
    values: dict[str, str] = {}
    _assign(values, specs, "--tf-var", "NAME=VALUE", diags)
    return values


def _assign(
    values: dict[str, str], specs: Sequence[str], option: str, form: str, diags: Diagnostics
) -> None:
    """Each `KEY=VALUE` of an option into `values`; a spec without a key is one line."""
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or not key.strip():
            diags.add(f"{option} {spec}", f"expected {form}")
            continue
        values[key.strip()] = value


def cfn_parameters(
    specs: Sequence[str], params_file: str | None, diags: Diagnostics
) -> dict[str, str]:
    """CloudFormation parameter values: the file's, then each KEY=VALUE over them."""
    values: dict[str, str] = {}
    if params_file:
        from_file, problems = parse_params_file(params_file)
        values.update(from_file)
        diags.extend(problems)
    _assign(values, specs, "--cfn-param", "KEY=VALUE", diags)
    return values
