"""One pooled httpx client per provider, with explicit timeouts and error mapping on every call."""

from __future__ import annotations

import functools
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from rxmsg_tui.providers.http_errors import (
    ErrorMessageReader,
    check_response,
    redact,
    transport_error,
)

USER_AGENT = "rxmsg/0.1"
_CREATING = threading.Lock()


@dataclass(frozen=True)
class HttpTimeouts:
    """Bounds on each phase of a request, so a hung provider never stalls the dispatcher.

    A small pool: the dispatcher sends one message at a time, and a sequential
    `httpx.Client` is the measured fast path (PERF.md); a large pool is slower.
    """

    connect: float = 5.0
    read: float = 15.0
    write: float = 15.0
    pool: float = 5.0
    max_connections: int = 4

    def as_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Loading the CA bundle costs ~0.1 s; every provider's client shares one context."""
    return httpx.create_ssl_context()


def build_client(
    base_url: str,
    timeouts: HttpTimeouts,
    *,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    """A client that keeps connections alive between sends and never follows redirects."""
    limits = httpx.Limits(
        max_connections=timeouts.max_connections,
        max_keepalive_connections=timeouts.max_connections,
    )
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        timeout=timeouts.as_httpx(),
        limits=limits,
        follow_redirects=False,
        verify=_tls_context(),
    )


class ProviderHttp:
    """The provider's client plus the rules that turn any outcome into a result or an error.

    Holds the secrets only to scrub them from whatever text ends up in an error.
    """

    def __init__(
        self,
        make_client: Callable[[], httpx.Client],
        label: str,
        *,
        secrets: tuple[str, ...] = (),
        read_message: ErrorMessageReader | None = None,
    ) -> None:
        self._make_client = make_client
        self._idle: list[httpx.Client] = []
        self._clients: list[httpx.Client] = []
        self._clients_lock = threading.Lock()
        self.label = label
        self._secrets = secrets
        self._read_message = read_message

    @property
    def client(self) -> httpx.Client:
        """One of the pooled clients (for inspection; `request` checks one out itself)."""
        client = self._checkout()
        self._checkin(client)
        return client

    def _checkout(self) -> httpx.Client:
        """An idle client, or a new one when every client is busy.

        One `httpx.Client` shared by the dispatcher's sending threads loses
        connections under load ("Bad file descriptor" mid-request), so each
        request has a client to itself; the clients are kept and reused, with
        their keep-alive connections, by whichever thread sends next. So there
        are never more clients than requests at once, however many threads
        come and go.
        """
        with self._clients_lock:
            if self._idle:
                return self._idle.pop()
        with _CREATING:  # the first client loads the CA bundle (~0.1 s); the others reuse it
            client = self._make_client()
        with self._clients_lock:
            self._clients.append(client)
        return client

    def _checkin(self, client: httpx.Client) -> None:
        with self._clients_lock:
            if client in self._clients:  # not closed meanwhile
                self._idle.append(client)

    def __repr__(self) -> str:
        return f"ProviderHttp({self.label!r}, base_url={str(self.client.base_url)!r})"

    def request(
        self,
        method: str,
        url: str,
        *,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send, and raise TransientError/PermanentError unless the answer is 2xx."""
        headers = dict(kwargs.pop("headers", None) or {})
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        client = self._checkout()
        try:
            response = client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise transport_error(exc, self.label, self._secrets) from exc
        finally:
            self._checkin(client)
        check_response(response, self.label, secrets=self._secrets, read_message=self._read_message)
        return response

    def summary(self, text: str) -> str:
        """A success summary with the same scrubbing as the errors get."""
        return redact(text, self._secrets)

    def close(self) -> None:
        with self._clients_lock:
            clients, self._clients, self._idle = self._clients, [], []
        for client in clients:
            client.close()


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or `{}`: a 2xx with an odd body is still an acceptance."""
    try:
        data = response.json()
    except (ValueError, RecursionError):  # `[[[[…` from a strange provider is an odd body too
        return {}
    return data if isinstance(data, dict) else {}
