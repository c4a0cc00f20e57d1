"""The emulator: moto's server on loopback, wrapped by the recording/fault/extension layer.

moto runs in this process (its WSGI app, served by werkzeug in a daemon thread), so the
extension can read and patch moto's objects directly and a test can reset everything
between cases without restarting a server.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sagewarden_demo.emulator import securityhub_findings
from sagewarden_demo.emulator.calls import Call, Incoming, describe
from sagewarden_demo.emulator.config_service import ConfigService
from sagewarden_demo.emulator.faults import Cut, Fault, FaultMisuse, Faults
from sagewarden_demo.emulator.replies import Reply, error_reply
from sagewarden_demo.emulator.sagemaker_ext import SageMakerExtension
from sagewarden_demo.emulator.wsgi import (
    WIRE,
    Environ,
    StartResponse,
    Wire,
    WSGIApp,
    call_app,
    read_body,
    with_body,
)

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from sagewarden_demo.emulator.httpserver import KeepAliveWSGIServer

log = logging.getLogger(__name__)

Hook = Callable[[Call], None]

DUMMY_KEY = "testing"  # not a 20-character key, so moto maps it to its default account
DEFAULT_ACCOUNT = "123456789012"  # moto's default account: what DUMMY_KEY clients act as
DEFAULT_REGION = "us-east-1"


class Emulator:
    """A local AWS for tests and demos; see the package docstring for what it adds."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.calls: list[Call] = []
        self.errors: list[str] = []  # emulator bugs seen while answering (should stay empty)
        self._calls_lock = threading.Lock()
        self._hooks: list[Hook] = []
        self._faults = Faults()
        self._server: KeepAliveWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._extension: SageMakerExtension | None = None
        self.config = ConfigService()  # AWS Config's recorder and API (config_service.py)
        self._session: Any = None  # one boto3 Session: building clients from it is cheap
        self._session_lock = threading.Lock()

    # lifecycle

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from sagewarden_demo.emulator.httpserver import KeepAliveWSGIServer
        from sagewarden_demo.emulator.moto_speed import speed_up_moto

        speed_up_moto()
        from sagewarden_demo.emulator.config_rules_cfn import install

        install()  # AWS::Config::ConfigRule in CloudFormation (config_rules_cfn.py)
        moto_app: WSGIApp = DomainDispatcherApplication(create_backend_app)
        self._extension = SageMakerExtension(moto_app, self._report_bug)
        app = partial(self._dispatch, moto_app, self._extension)
        self._server = KeepAliveWSGIServer(self.host, self.port, app)
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"emulator:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    # test controls

    def clear_calls(self) -> None:
        with self._calls_lock:
            self.calls.clear()

    def add_fault(
        self,
        *,
        service: str | None = None,
        operation: str | None = None,
        account: str | None = None,
        region: str | None = None,
        code: str = "AccessDeniedException",
        message: str = "injected fault",
        status: int | None = None,
        times: int | None = None,
        body: bytes | None = None,
        content_type: str = "text/html",
        cut: Cut | None = None,
        short: bool = False,
        edit: dict[str, Any] | None = None,
        next_token: str | Iterable[str] | None = None,
        hang: bool = False,
        per_second: float | None = None,
    ) -> Fault:
        """Fail or damage the matching calls; see faults.py for what each option does."""
        return self._faults.add(
            Fault(
                service,
                operation,
                account,
                region,
                code,
                message,
                status,
                times,
                body=body,
                content_type=content_type,
                cut=cut,
                short=short,
                edit=edit,
                next_token=next_token,
                hang=hang,
                per_second=per_second,
            )
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def on_request(self, hook: Hook) -> None:
        """Call `hook` with every request before it is handled (nested requests included)."""
        self._hooks.append(hook)

    def remove_hook(self, hook: Hook) -> None:
        if hook in self._hooks:
            self._hooks.remove(hook)

    def reset(self) -> None:
        """Forget everything: moto's state, the extension's, faults, hooks, calls, errors."""
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        if self._extension is not None:
            self._extension.reset()
        self.config.reset()
        self._faults.clear()
        self._hooks.clear()
        self.clear_calls()
        self.errors.clear()

    def notebook_volume(
        self, name: str, region: str = DEFAULT_REGION, account: str = DEFAULT_ACCOUNT
    ) -> dict[str, bytes]:
        """The live ML storage volume of a notebook instance: relative path -> content.

        Seed it or read it in place. It survives Stop/Start, goes with the notebook on
        DeleteNotebookInstance (or reset), and lifecycle scripts sagewarden wrote read and
        fill it (see notebook_runtime). KeyError when the notebook does not exist."""
        from sagewarden_demo.emulator.notebook_runtime import volume

        return volume(self._notebook(name, region, account))

    def set_notebook_status(
        self,
        name: str,
        status: str,
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
    ) -> None:
        """Force a notebook's NotebookInstanceStatus (e.g. "Pending", "Updating", "Failed"),
        to test callers against states moto never leaves a notebook in."""
        allowed = (
            "Pending", "InService", "Stopping", "Stopped", "Failed", "Deleting", "Updating"
        )  # fmt: skip
        if status not in allowed:
            raise ValueError(f"status must be one of {allowed}, not {status!r}")
        self._notebook(name, region, account).status = status

    def _notebook(self, name: str, region: str, account: str) -> Any:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        from moto.sagemaker.models import sagemaker_backends

        notebook = sagemaker_backends[account][region].notebook_instances.get(name)
        if notebook is None:
            raise KeyError(f"no notebook instance {name!r} in {account}/{region}")
        return notebook

    def client(
        self, service: str, region: str = DEFAULT_REGION, account: str | None = None, **kw: Any
    ) -> BaseClient:
        """A boto3 client for this emulator with dummy credentials.

        With `account`, every request carries `x-moto-account-id: ACCOUNT`, which moto
        (and the call record) honour before the access key; it survives reset(), unlike
        keys from sts.assume_role. To exercise real cross-account credentials, call
        sts.assume_role and build a client from the returned keys.
        """
        import boto3

        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": region,
            "aws_access_key_id": DUMMY_KEY,
            "aws_secret_access_key": DUMMY_KEY,
        }
        options.update(kw)
        with self._session_lock:  # boto3 sessions are not thread-safe
            if self._session is None:
                self._session = boto3.session.Session()
            made: BaseClient = self._session.client(service, **options)
        if account is not None:
            made.meta.events.register("before-sign", partial(_set_account, account))
        return made

    # serving

    def _report_bug(self, message: str) -> None:
        log.error("emulator bug: %s", message)
        self.errors.append(message)

    def _dispatch(
        self,
        moto_app: WSGIApp,
        extension: SageMakerExtension,
        environ: Environ,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        incoming = describe(environ, read_body(environ))
        with self._calls_lock:
            self.calls.append(incoming.call)
        for hook in list(self._hooks):
            try:
                hook(incoming.call)
            except Exception as exc:  # a broken hook must fail the test, not hang retries
                self._report_bug(f"on_request hook failed: {type(exc).__name__}: {exc}")
                reply = error_reply(incoming.protocol, "EmulatorHookError", str(exc), 500)
                return reply.send(start_response)
        fault = self._faults.take(incoming.call)
        if fault is None:
            return self._answer(moto_app, extension, incoming, environ, start_response)
        if fault.hang:
            fault.wait()
            environ[WIRE] = Wire(drop=True)
            return Reply(500, b"").send(start_response)  # never sent: the line is dropped
        if fault.damages_answer:
            return self._damaged(fault, moto_app, extension, incoming, environ, start_response)
        if fault.body is not None:
            headers = [("Content-Type", fault.content_type)]
            return Reply(fault.body_status, fault.body, headers).send(start_response)
        reply = error_reply(incoming.protocol, fault.code, fault.message, fault.error_status)
        return reply.send(start_response)

    def _answer(
        self,
        moto_app: WSGIApp,
        extension: SageMakerExtension,
        incoming: Incoming,
        environ: Environ,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        answer = (
            self.config.handle(incoming)
            or extension.handle(incoming, environ)
            or securityhub_findings.handle(incoming, environ, moto_app)
        )
        if answer is not None:
            return answer.send(start_response)
        return moto_app(environ, start_response)

    def _damaged(
        self,
        fault: Fault,
        moto_app: WSGIApp,
        extension: SageMakerExtension,
        incoming: Incoming,
        environ: Environ,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        """The real answer (or the fault's body), then the fault's damage to it."""
        if fault.next_token is not None and incoming.protocol == "json":
            params = {k: v for k, v in incoming.call.params.items() if k != "NextToken"}
            body = json.dumps(params).encode()
            environ = with_body(environ, body)
            incoming = describe(environ, body)  # always page one

        def real(env: Environ, respond: StartResponse) -> Iterable[bytes]:
            return self._answer(moto_app, extension, incoming, env, respond)

        if fault.body is not None:
            status, headers = fault.body_status, [("Content-Type", fault.content_type)]
            body = fault.body
        else:
            status, headers, body = call_app(real, environ)
        try:
            if fault.cut is not None:
                kept = fault.cut_at(body)
                if fault.short:
                    environ[WIRE] = Wire(declared_length=len(body))
                body = body[:kept]
            elif status >= 300:
                raise FaultMisuse(f"the real answer is an error (HTTP {status}), not a page")
            elif fault.edit is not None:
                body = fault.edited(body)
            else:
                page = json.loads(body)
                token = fault.take_token()
                if token is None:
                    page.pop("NextToken", None)  # the tokens given are used up: the end
                else:
                    page["NextToken"] = token
                body = json.dumps(page).encode()
        except (FaultMisuse, ValueError) as bug:
            self._report_bug(f"fault on {incoming.call.operation}: {bug}")
            return error_reply(incoming.protocol, "EmulatorFaultMisuse", str(bug), 500).send(
                start_response
            )
        kept_headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        return Reply(status, body, kept_headers).send(start_response)


def _set_account(account: str, request: Any, **_: Any) -> None:
    request.headers["x-moto-account-id"] = account
