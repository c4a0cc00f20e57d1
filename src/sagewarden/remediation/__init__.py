"""Remediation: plan the fixes for failing controls on live resources (no AWS calls here)."""

from sagewarden.remediation.plan import Plan, ResourcePlan, plan, render_text
from sagewarden.remediation.steps import Phase, Skipped, Step, new_name

__all__ = ["Phase", "Plan", "ResourcePlan", "Skipped", "Step", "new_name", "plan", "render_text"]
