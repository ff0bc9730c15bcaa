"""Loopback servers for the provider tests: HTTP scripted per request, SMTP with STARTTLS."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import pytest
import trustme

from tests.providers.loopback_http import LoopbackHttpServer
from tests.providers.loopback_smtp import LoopbackController, RecordingHandler, start_smtp_server


@pytest.fixture
def http_server() -> Iterator[LoopbackHttpServer]:
    server = LoopbackHttpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="session")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_tls(certificate_authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="session")
def client_tls(certificate_authority: trustme.CA) -> ssl.SSLContext:
    """Trusts only the test CA, with hostname checks on, as a real relay would be checked."""
    context = ssl.create_default_context()
    certificate_authority.configure_trust(context)
    return context


@pytest.fixture
def smtp_handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def smtp_server(
    smtp_handler: RecordingHandler, server_tls: ssl.SSLContext
) -> Iterator[LoopbackController]:
    controller = start_smtp_server(smtp_handler, tls_context=server_tls, with_auth=True)
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def plain_smtp_server(smtp_handler: RecordingHandler) -> Iterator[LoopbackController]:
    """No STARTTLS and no AUTH: what a careless relay looks like."""
    controller = start_smtp_server(smtp_handler, tls_context=None, with_auth=False)
    try:
        yield controller
    finally:
        controller.stop()
