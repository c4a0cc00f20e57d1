"""The control units: one module per resource area, each declaring its controls.

A unit is a `Control` (controls.base) built beside its check function: metadata, the
check, the references it follows to other resources and its fix, in one place. Each
module exports `CONTROLS`; `sagewarden.catalog` assembles them. A check is one small pure
function: it reads the canonical resource, its parameters and (through the Context) the
resources its references name, and returns a verdict with a reason a person can act on.
"""
