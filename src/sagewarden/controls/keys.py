"""Whether a KMS key is named: the one question SageMaker.17, .18, .21, .23 and .24 ask.

Their AWS Config rules pass any key (they do not check that it is customer managed) and
fail an absent or empty one. A key known only at deploy (a `!Ref` to a key, a Terraform
value known after apply) is a key all the same, as a subnet is for SageMaker.2; a choice
between a key and none is considered both ways by the engine.
"""

from __future__ import annotations

from sagewarden.resources import Resource
from sagewarden.unknowns import UnresolvedValue
from sagewarden.values import as_str, is_absent, peek
from sagewarden.verdicts import Verdict, failed, passed


def key_named(r: Resource, path: str, absent: str) -> Verdict:
    """PASSED when `path` names a key; FAILED with `absent` (what it means) otherwise."""
    key = peek(r.properties, path)
    if isinstance(key, UnresolvedValue):
        return passed(f"{path} is set (it {key.why})")
    if is_absent(key):
        return failed(f"{path} is not set: {absent}")
    key = as_str(path, key)
    if not key.strip():
        return failed(f"{path} is empty: {absent}")
    return passed(f"{path} is {key}")  # a Sensitive key formats as "(sensitive)"
