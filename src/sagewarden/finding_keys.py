"""One key per control and resource, stable across scans: the identity of a finding.

The history database, Security Hub pushes (the ASFF Id's seed) and the first-seen dates of
every report find a finding by this key, so it is made in one place and read back (for
databases written before findings had an account and region column) in the same place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagewarden.verdicts import Evaluation


def finding_key(e: Evaluation) -> str:
    """`control|type|ARN`, or `control|type|file|account|region|id` for what has no ARN."""
    r = e.resource
    return _key(e.control.id, r.type, r.arn, (r.provenance.file, r.account_id, r.region, r.id))


def _key(control: str, rtype: str, arn: str | None, place: tuple[Any, ...]) -> str:
    """The one spelling of a finding key, from an evaluation or from its JSON form."""
    where = arn or "|".join(str(x or "") for x in place)
    return f"{control}|{rtype}|{where}"


def report_key(entry: Mapping[str, Any]) -> str | None:
    """`finding_key` of one evaluation of a JSON report (`Evaluation.to_dict`), for a
    baseline; None when the entry lacks what the key is made of."""
    source = entry.get("source")
    control, rtype, rid = entry.get("control"), entry.get("resource_type"), entry.get("resource_id")
    if not (
        isinstance(source, Mapping)
        and isinstance(control, str)
        and isinstance(rtype, str)
        and isinstance(rid, str)
    ):
        return None
    arn = source.get("arn")
    place = (source.get("file"), source.get("account_id"), source.get("region"), rid)
    return _key(control, rtype, arn if isinstance(arn, str) else None, place)


def key_scope(key: str) -> tuple[str | None, str | None]:
    """Account and region from a finding key (for rows written before they had columns)."""
    where = key.split("|", 2)[2] if key.count("|") >= 2 else ""
    if where.startswith("arn:"):
        parts = where.split(":")
        if len(parts) > 4:
            return parts[4] or None, parts[3] or None
        return None, None
    fields = where.rsplit("|", 3)  # file|account|region|id; a file name may hold a "|"
    if len(fields) == 4:
        return fields[1] or None, fields[2] or None
    return None, None
