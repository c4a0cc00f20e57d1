"""Every control's cases (tests/cases) as AWS Config change notifications: the rule
handler puts the verdict `sagewarden scan` gives on the same configuration items.

Each case's judged resource is rendered as the Config item casekit writes into a snapshot
(render.config_snapshot), sent inline in a ConfigurationItemChangeNotification with the
case's parameters of its own control as rule parameters; the CLI scans the snapshot. A
case whose control follows references (SageMaker.14/.22 with resolveReferences) has its
related resources created in the emulator, where the handler's one Describe finds them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name

from sagewarden.catalog import BY_ID
from sagewarden.configrule import handler
from sagewarden.configrule.compliance import Outcome
from sagewarden.verdict import Status
from sagewarden_demo.emulator import Emulator
from tests.casekit import live
from tests.casekit.model import Case, all_cases
from tests.casekit.render import config_snapshot
from tests.casekit.scan import scan, verdicts
from tests.e2e.test_configrule import LambdaContext, change, rule_event

ANNOTATION = 256


def rule_parameters(case: Case) -> dict[str, str]:
    """The case's parameters of its own control, as Config holds them (strings, CSV)."""
    out = {"control": case.control}
    for name, value in case.parameters.items():
        control, _, param = name.rpartition(".")
        if control and control != case.control:
            continue  # another control's parameter: another rule's
        if isinstance(value, bool):
            out[param] = "true" if value else "false"
        elif isinstance(value, list):
            out[param] = ",".join(str(v) for v in value)
        else:
            out[param] = str(value)
    return out


def follows_references(case: Case) -> bool:
    control = BY_ID[case.control]
    params = {p.name: p.default for p in control.parameters}
    params.update({k: v for k, v in case.parameters.items() if "." not in k})
    return any(ref.enabled(params) for ref in control.references)


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: c.label)
def test_the_rule_puts_the_verdict_the_cli_gives(case: Case, aws: Emulator, tmp_path: Path) -> None:
    snapshot = config_snapshot(case)
    path = tmp_path / "config-snapshot.json"

    path.write_text(json.dumps(snapshot), encoding="utf-8")
    _, doc = scan(tmp_path / "report.json", str(path), *case.scan_args)
    cli = verdicts(doc, case.control)[case.resource.name]

    if follows_references(case):
        sm = aws.client("sagemaker")
        for related in case.related:
            getattr(sm, xform_name(live.create_operation(related)))(**live.create_kwargs(related))
    item: dict[str, Any] = snapshot["configurationItems"][-1]  # the judged resource, last
    assert item["resourceName"] == case.resource.name

    handler(rule_event(change(item), rule_parameters(case)), LambdaContext())
    [call] = aws.config.evaluations
    [evaluation] = call.evaluations
    expected = Outcome(
        item["resourceType"], item["resourceId"], Status(cli.status), cli.reason, None
    )
    assert (evaluation["ComplianceType"], evaluation["Annotation"]) == (
        expected.compliance,
        expected.annotation(ANNOTATION),
    ), f"{case.label}: the CLI says {cli.status} {cli.reason!r}"
