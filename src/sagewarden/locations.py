"""Where a finding is, for people and for code scanning: one answer for every report.

A template finding points at the property its control judges (`property_lines`), from
its first to its last line. A finding on a CDK resource also has the app source line
that created the resource (`cdk_metadata`): that line is what a person edits, and the
file is committed while cdk.out usually is not, so it comes first where one place is
shown; the template place stays beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sagewarden.sources.property_lines import PropertySpan, span_of
from sagewarden.verdicts import Evaluation


@dataclass(frozen=True, slots=True)
class Place:
    file: str
    line: int | None = None
    end_line: int | None = None
    column: int | None = None

    def text(self) -> str:
        """'file:line' (or 'file:line-end' for a span), as terminals and reports show it."""
        if self.line is None:
            return self.file
        if self.end_line is not None and self.end_line != self.line:
            return f"{self.file}:{self.line}-{self.end_line}"
        return f"{self.file}:{self.line}"


def property_span(e: Evaluation) -> PropertySpan | None:
    return span_of(e.resource, e.control)


def template_place(e: Evaluation) -> Place | None:
    """The file the resource was read from, at the judged property when known."""
    prov = e.resource.provenance
    if prov.file is None:
        return None
    span = property_span(e)
    if span is not None:
        return Place(prov.file, span.line, span.end_line)
    return Place(prov.file, prov.line)


def app_place(e: Evaluation) -> Place | None:
    """The CDK app source line that created the resource, when it is a scanned file."""
    prov = e.resource.provenance
    if prov.app_file is None:
        return None
    return Place(prov.app_file, prov.app_line, None, prov.app_column)


def primary_place(e: Evaluation) -> Place | None:
    return app_place(e) or template_place(e)


def where_text(e: Evaluation) -> str | None:
    """The place shown next to a finding: the app source for CDK (with the construct
    path unless the name shown is that path), else the template's property lines; None
    for resources read from AWS."""
    prov = e.resource.provenance
    place = primary_place(e)
    if place is None:
        return None
    text = place.text()
    if prov.construct_path is not None and prov.construct_path != e.resource.name:
        text += f" ({prov.construct_path})"
    return text
