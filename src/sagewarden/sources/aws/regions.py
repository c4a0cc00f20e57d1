"""Region names: is `--region X` an AWS region, and which partition is it in.

botocore's endpoint data lists every region of every partition it knows (aws, aws-cn,
aws-us-gov, the ISO partitions, ...) with a `regionRegex` per partition. A name botocore
lists is accepted. A name it does not list is accepted when it matches its partition's
regex *and* is built from words known regions use (`eu-south-3`: `eu`, `south`;
`southwest` joins two of them), so a region launched after this botocore release is not
refused. The regex alone would accept typos (`eu-wst-1` matches
`^(us|eu|...)\\-\\w+\\-\\d+$`), which AWS then reports as an unreachable endpoint that
looks like a credentials problem; a word no region uses is therefore refused, with the
closest known names (difflib).
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from dataclasses import dataclass

from botocore.loaders import create_loader

from sagewarden.sources.aws.botocore_tuning import OrjsonFileLoader


@dataclass(frozen=True)
class Partition:
    name: str
    pattern: re.Pattern[str]
    regions: frozenset[str]


@functools.cache
def partitions() -> tuple[Partition, ...]:
    """Every partition botocore's endpoint data describes, with its regions."""
    loader = create_loader(os.environ.get("AWS_DATA_PATH"))
    loader.file_loader = OrjsonFileLoader()  # endpoints.json: 1.3 MB, read before any call
    found: dict[str, tuple[str, set[str]]] = {}
    for p in loader.load_data("endpoints")["partitions"]:
        found[p["partition"]] = (p["regionRegex"], set(p.get("regions", {})))
    try:  # newer botocore also ships partitions.json (regions it may not yet serve)
        extra = loader.load_data("partitions")["partitions"]
    except Exception:  # an older botocore: endpoints.json is enough
        extra = []
    for p in extra:
        regex, names = found.get(p["id"], (p["regionRegex"], set()))
        found[p["id"]] = (regex, names | set(p.get("regions", {})))
    out = []
    for name, (regex, names) in found.items():
        pattern = re.compile(regex)
        # partitions.json also lists pseudo regions such as aws-global: not scannable
        out.append(Partition(name, pattern, frozenset(r for r in names if pattern.match(r))))
    return tuple(out)


@functools.cache
def known_regions() -> frozenset[str]:
    return frozenset(r for p in partitions() for r in p.regions)


@functools.cache
def _words() -> frozenset[str]:
    """The words of known region names before the number: `us`, `gov`, `east`, ..."""
    return frozenset(w for r in known_regions() for w in r.split("-")[:-1])


def _known_word(word: str) -> bool:
    # a compass word made of two known ones (`southwest`) is as plausible as `northeast`
    words = _words()
    return word in words or any(
        word[:i] in words and word[i:] in words for i in range(1, len(word))
    )


def partition_of(region: str) -> str | None:
    """The partition a region belongs to (`aws`, `aws-cn`, ...), or None if not a region."""
    for p in partitions():
        if region in p.regions:
            return p.name
    if all(_known_word(w) for w in region.split("-")[:-1]):
        for p in partitions():
            if p.pattern.match(region):
                return p.name
    return None


def region_problem(region: str) -> str | None:
    """None for a usable region name; else what is wrong, with the closest known names."""
    if partition_of(region) is not None:
        return None
    close = difflib.get_close_matches(region.strip().lower(), sorted(known_regions()), n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"not an AWS region that botocore knows{hint}"
