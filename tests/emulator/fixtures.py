"""pytest fixtures for the local AWS emulator.

`emulator` (session): one Emulator on 127.0.0.1 for the whole run, with dummy AWS
credentials and AWS_ENDPOINT_URL pointing at it, so no boto3 client in the process can
reach real AWS or real credentials. `aws` (function): the same emulator, reset before
the test, with outbound connections limited to 127.0.0.0/8, and failing the test if the
emulator recorded a bug of its own. `loopback_only`: just the network guard.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from sagewarden_demo.emulator import Emulator

_LOOPBACK = ipaddress.ip_network("127.0.0.0/8")

_DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
_UNSET_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "MOTO_ACCOUNT_ID",  # would override every account mapping
)


def _is_loopback(host: Any) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address in _LOOPBACK


def _is_ip(host: Any) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


def guard_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any TCP/UDP connection or name lookup outside 127.0.0.0/8."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        inet = sock.family in (socket.AF_INET, socket.AF_INET6)
        if inet and not _is_loopback(address[0]):
            raise ConnectionRefusedError(f"test tried to reach {address!r} outside 127.0.0.0/8")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host) and not _is_ip(host):
            raise socket.gaierror(f"test tried to resolve {host!r} (only loopback allowed)")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with pytest.MonkeyPatch.context() as env:
        nowhere = tmp_path_factory.mktemp("aws-config") / "absent"
        env.setenv("AWS_CONFIG_FILE", str(nowhere))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
        for name, value in _DUMMY_ENV.items():
            env.setenv(name, value)
        for name in _UNSET_ENV:
            env.delenv(name, raising=False)
        with Emulator() as running:
            env.setenv("AWS_ENDPOINT_URL", running.endpoint_url)
            yield running


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_loopback(monkeypatch)


@pytest.fixture
def aws(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    guard_loopback(monkeypatch)
    emulator.reset()
    yield emulator
    bugs = list(emulator.errors)
    emulator.errors.clear()
    if bugs:
        pytest.fail("the emulator reported bugs of its own:\n" + "\n".join(bugs))
