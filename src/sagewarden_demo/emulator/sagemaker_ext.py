"""The SageMaker extension: routes `SageMaker.*` requests to handlers or on to moto.

Every SageMaker request is validated against botocore's input shape first (AWS refuses
what its model refuses, including enums and maximums botocore only checks server-side).
Requests for an operation the extension owns go to its handler under one lock, and the
handler's answer must match the output shape before it is sent: a mismatch is an
emulator bug, answered with HTTP 500 and the validation report, never silently sent.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable
from typing import Any

from sagewarden_demo.emulator import (
    sagemaker_endpoints,
    sagemaker_experiments,
    sagemaker_featurestore,
    sagemaker_fixes,
    sagemaker_resources,
)
from sagewarden_demo.emulator.calls import Incoming
from sagewarden_demo.emulator.context import Context, MotoGateway, PassThrough
from sagewarden_demo.emulator.replies import ApiError, Reply, error_reply, json_reply
from sagewarden_demo.emulator.sagemaker_store import Store
from sagewarden_demo.emulator.validation import (
    OutputMismatch,
    check_output,
    input_errors,
    operation_model,
    prune_empty,
)
from sagewarden_demo.emulator.wsgi import Environ, WSGIApp

log = logging.getLogger(__name__)

TARGET_PREFIX = "SageMaker."

Handler = Callable[[Context], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    **sagemaker_fixes.HANDLERS,
    **sagemaker_endpoints.HANDLERS,
    **sagemaker_resources.HANDLERS,
    **sagemaker_featurestore.HANDLERS,
    **sagemaker_experiments.HANDLERS,
}


class SageMakerExtension:
    def __init__(self, moto_app: WSGIApp, report_bug: Callable[[str], None]) -> None:
        self._moto_app = moto_app
        self._report_bug = report_bug
        self._store = Store()
        self._lock = threading.RLock()

    def reset(self) -> None:
        with self._lock:
            self._store.reset()

    def handle(self, incoming: Incoming, environ: Environ) -> Reply | None:
        """The reply, or None when moto should answer the request unchanged."""
        call = incoming.call
        if call.service != "sagemaker" or not incoming.target.startswith(TARGET_PREFIX):
            return None
        operation = operation_model("sagemaker", call.operation)
        if operation is None:
            return None
        report = input_errors(operation, call.params)
        if report:
            return error_reply("json", "ValidationException", report)
        handler = HANDLERS.get(call.operation)
        if handler is None:
            return None
        gateway = MotoGateway(self._moto_app, environ, call.account, call.region)
        try:
            with self._lock:
                ctx = Context(
                    account=call.account,
                    region=call.region,
                    operation=call.operation,
                    params=copy.deepcopy(call.params),  # stored state must not alias calls
                    state=self._store.region(call.account, call.region),
                    moto=gateway,
                )
                payload = handler(ctx)
            payload = prune_empty(payload, operation.output_shape) if operation.output_shape else {}
            check_output(operation, payload)
        except PassThrough:
            return None
        except ApiError as error:
            return error_reply("json", error.code, error.message, error.status)
        except OutputMismatch as bug:
            self._report_bug(str(bug))
            return error_reply("json", "EmulatorOutputMismatch", str(bug), 500)
        except Exception as bug:  # a handler crash is an emulator bug: say so loudly
            log.exception("SageMaker extension failed on %s", call.operation)
            self._report_bug(f"{call.operation}: {type(bug).__name__}: {bug}")
            return error_reply("json", "EmulatorError", f"{type(bug).__name__}: {bug}", 500)
        return json_reply(payload)
