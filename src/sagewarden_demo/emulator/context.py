"""What a SageMaker handler gets: the caller, its parameters, its state and a way to moto.

Handlers that patch moto's behaviour call moto in-process (the same WSGI app the
emulator serves), so moto keeps owning its resources and the handler only adds what
moto lacks. A handler that has nothing to add raises PassThrough.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sagewarden_demo.emulator.replies import ApiError
from sagewarden_demo.emulator.sagemaker_store import RegionState, arn
from sagewarden_demo.emulator.wsgi import Environ, WSGIApp, call_app, with_body


class PassThrough(Exception):
    """Let moto answer this request unchanged."""


class MotoGateway:
    """moto's SageMaker, reached in-process with the caller's credentials."""

    def __init__(self, app: WSGIApp, environ: Environ, account: str, region: str) -> None:
        self._app = app
        self._environ = environ
        self._account = account
        self._region = region

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run one SageMaker operation in moto; moto's errors are raised as ApiError."""
        environ = with_body(
            self._environ,
            json.dumps(params).encode(),
            {"X-Amz-Target": f"SageMaker.{operation}"},
        )
        status, _, raw = call_app(self._app, environ)
        try:
            decoded: Any = json.loads(raw) if raw.strip() else {}
        except ValueError:
            decoded = None
        if status >= 300 or not isinstance(decoded, dict):
            if isinstance(decoded, dict):
                code = str(decoded.get("__type", "InternalFailure")).rsplit("#", 1)[-1]
                message = str(decoded.get("message", decoded.get("Message", "")))
            else:
                code, message = "InternalFailure", raw.decode("utf-8", "replace")[:500]
            raise ApiError(code, message, status if status >= 300 else 500)
        return decoded

    def backend(self) -> Any:
        """moto's SageMakerModelBackend for the caller's account and region (typed loosely:
        the extension reads and patches moto's objects by attribute)."""
        from moto.sagemaker.models import sagemaker_backends

        return sagemaker_backends[self._account][self._region]


@dataclass
class Context:
    account: str
    region: str
    operation: str
    params: dict[str, Any]
    state: RegionState
    moto: MotoGateway

    def arn(self, kind: str, name: str) -> str:
        return arn(self.region, self.account, kind, name)
