"""Models (immutable): a replacement with network isolation, the endpoint configs that
use the model moved to it, the old model deleted once no config uses it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagewarden.kinds import RT, kind

from .. import live
from ..context import Result, StepRun
from ..live import user_tags
from ..shell import Section, Writer, q, text
from ..steps import new_name
from .base import Dependents, StepKind, register
from .endpoints import CONFIG, CONFIGS, USERS, switch_endpoints
from .replace import Creates, Deletes, Replacement, operations

if TYPE_CHECKING:
    from ..plan import ResourcePlan

MODEL = kind(RT.MODEL)
CONFIG_NAME = CONFIG.describe_param
_VARIANTS = ("ProductionVariants", "ShadowProductionVariants")


class Models(Replacement):
    resource = RT.MODEL
    what = "model"
    used_by = "live endpoint(s)"

    def users(self, sm: Any, name: str) -> list[str]:
        return live.endpoints_using_model(sm, name)


# A model's users are the live endpoints whose config uses it.
_MODEL_USERS = (*USERS, CONFIG.describe_op)


@register
class CreateModel(Creates, Models):
    name = MODEL.op("Create")
    permissions = (*operations(MODEL), *_MODEL_USERS)

    def script(self, w: Writer, sec: Section) -> None:
        p = sec.step.params
        name = str(p.get(MODEL.describe_param, ""))
        exists = f"sw_aws sagemaker describe-model --model-name {q(name)}"
        w.create(sec, self.name, exists, p, f"model {name}")


@register
class DeleteModel(Deletes, Models):
    name = MODEL.op("Delete")
    permissions = (*operations(MODEL), *_MODEL_USERS)

    def script(self, w: Writer, sec: Section) -> None:
        name = str(sec.step.params.get(MODEL.describe_param, ""))
        sec.add(
            f"if ! sw_aws sagemaker describe-model --model-name {q(name)} >/dev/null 2>&1; then",
            f"  {sec.say(f'model {name}: already deleted')}",
            "else",
            "  sw_cfgs=$(sw_endpoint_configs)",
            "  while IFS= read -r sw_c; do",
            '    [ -n "$sw_c" ] || continue',
            "    sw_uses=$(sw_aws sagemaker describe-endpoint-config "
            '--endpoint-config-name "$sw_c" --output json '
            f'| python3 -c "$SW_PY" uses-model {q(name)})',
            '    [ "$sw_uses" = no ] || '
            + f'sw_fail {text(f"model {name} is still used by endpoint config ")}"$sw_c"'
            + text(": not deleted"),
            '  done <<<"$sw_cfgs"',
            f"  sw_aws sagemaker delete-model --model-name {q(name)}",
            "fi",
        )


@register
class ReplaceModelInEndpointConfigs(StepKind):
    """For a model whose endpoint configs were not in the scan: copy each config that
    uses it with the new model, move its endpoints, delete the old config."""

    name = "ReplaceModelInEndpointConfigs"
    permissions = (
        CONFIG.list_op,
        *operations(CONFIG),
        *USERS,
        "UpdateEndpoint",
    )

    def dependents(self, sm: Any, rp: ResourcePlan) -> Dependents:
        configs = live.configs_using_model(sm, rp.name)
        names = {str(c[CONFIG_NAME]) for c in configs}
        return {"configs": configs, "endpoints": live.endpoints_using_configs(sm, names)}

    def do(self, x: StepRun) -> Result:
        old, new = str(x.step.params["From"]), str(x.step.params["To"])
        done: list[dict[str, Any]] = []
        for cfg in x.dependents("configs"):
            name = str(cfg[CONFIG_NAME])
            replacement = new_name(name)
            params = dict(cfg)
            params[CONFIG_NAME] = replacement
            for key in _VARIANTS:
                params[key] = [
                    {**v, "ModelName": new} if v.get("ModelName") == old else v
                    for v in cfg.get(key) or []
                ]
            params["Tags"] = user_tags(x.backup_tags(cfg.get("EndpointConfigArn")))
            CONFIGS.create(x, params)
            moved = switch_endpoints(x, name, replacement)
            CONFIGS.delete(x, name)
            done.append({"from": name, "to": replacement, "endpoints": moved})
        return {"configs": done}

    def undo(self, x: StepRun) -> Result:
        undone: list[str] = []
        for cfg in x.dependents("configs"):
            name = str(cfg[CONFIG_NAME])
            replacement = new_name(name)
            CONFIGS.recreate(x, name)
            before = {
                str(e["EndpointName"])
                for e in x.dependents("endpoints")
                if e.get(CONFIG_NAME) == name
            }
            switch_endpoints(x, replacement, name, only=before)
            CONFIGS.delete(x, replacement)
            undone.append(name)
        return {"configs": undone}

    def script(self, w: Writer, sec: Section) -> None:
        p = sec.step.params
        old = str(p.get("From", ""))
        new = str(p.get("To", ""))
        sec.add(
            "sw_cfgs=$(sw_endpoint_configs)",
            "while IFS= read -r sw_c; do",
            '  [ -n "$sw_c" ] || continue',
            '  sw_desc=$(sw_aws sagemaker describe-endpoint-config --endpoint-config-name "$sw_c" '
            "--output json)",
            '  sw_new_c=$(python3 -c "$SW_PY" new-name "$sw_c")',
            '  sw_input=$(printf \'%s\' "$sw_desc" | python3 -c "$SW_PY" config-copy '
            f'{q(old)} {q(new)} "$sw_new_c" "$SW_SHAPE_ENDPOINT_CONFIG")',
            '  [ -n "$sw_input" ] || continue',
            '  if sw_aws sagemaker describe-endpoint-config --endpoint-config-name "$sw_new_c" '
            ">/dev/null 2>&1; then",
            '    sw_say "endpoint config $sw_new_c: already exists"',
            "  else",
            '    sw_arn=$(sw_aws sagemaker describe-endpoint-config --endpoint-config-name "$sw_c" '
            "--query EndpointConfigArn --output text)",
            '    sw_tags_from "$sw_arn"',
            '    sw_aws sagemaker create-endpoint-config --cli-input-json "$sw_input" '
            '${SW_TAGS[@]+"${SW_TAGS[@]}"}',
            "  fi",
            '  sw_update_endpoints "$sw_c" "$sw_new_c"',
            '  sw_delete_endpoint_config "$sw_c"',
            'done <<<"$sw_cfgs"',
        )
