"""`rxmsg serve` gives the TUI only to the browser that opened its one-time link.

Each test runs the real command on a free loopback port and talks to it with
a real HTTP and WebSocket client, as a browser (or a hostile web page in the
same browser) would.
"""

from __future__ import annotations

import re
import sqlite3
import ssl
import time
from pathlib import Path

import aiohttp
import httpx
import pytest
import trustme

from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.remote_serve import browser, read_screen, running_serve, serve_env

MENU_TEXT = b"Ctrl+P"
"""Always on the main menu's help line: proof the TUI itself reached the browser."""


async def _sign_in(session: aiohttp.ClientSession, base: str, token: str) -> str:
    async with session.get(f"{base}/?token={token}") as response:
        assert response.status == 200
        return response.headers["Set-Cookie"]


def _audit_rows(home: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(home / "rxmsg.db") as conn:
        return conn.execute(
            "SELECT action, target, after FROM audit_log WHERE action = 'serve.session' ORDER BY id"
        ).fetchall()


async def test_without_the_link_nothing_is_served(tmp_path: Path) -> None:
    with running_serve(tmp_path) as served:
        async with browser() as client:
            async with client.get(f"{served.base}/") as response:
                assert response.status == 401
                body = await response.text()
            assert "<html" not in body.lower() and "rxmsg serve printed" in body
            async with client.get(f"{served.base}/static/js/textual.js") as response:
                assert response.status == 401
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(served.ws_url, headers={"Origin": served.base})
            assert refused.value.status == 401
            async with client.get(f"{served.base}/?token=not-the-token") as response:
                assert response.status == 403
        assert served.child_pids() == [], "no session process may start without the link"


async def test_the_link_works_once(tmp_path: Path) -> None:
    with running_serve(tmp_path) as served:
        async with browser() as first:
            cookie = await _sign_in(first, served.base, served.token)
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            async with first.get(f"{served.base}/") as response:
                assert response.status == 200, "the cookie keeps the first browser signed in"
        async with browser() as second:
            async with second.get(f"{served.base}/?token={served.token}") as response:
                assert response.status == 403
                assert "works once" in await response.text()
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await second.ws_connect(served.ws_url, headers={"Origin": served.base})
            assert refused.value.status == 401


async def test_another_web_site_cannot_drive_the_tui_even_with_the_cookie(tmp_path: Path) -> None:
    with running_serve(tmp_path) as served:
        async with browser() as client:
            await _sign_in(client, served.base, served.token)
            for origin in ("http://evil.example", "null", f"http://127.0.0.1:{served.port + 1}"):
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await client.ws_connect(served.ws_url, headers={"Origin": origin})
                assert refused.value.status == 403, origin
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(served.ws_url, headers={"Origin": ""})
            assert refused.value.status == 403
            async with client.get(
                f"{served.base}/", headers={"Origin": "http://evil.example"}
            ) as response:
                assert response.status == 403
            # DNS rebinding: a hostile name pointed at 127.0.0.1 reaches the port, not the TUI.
            async with client.get(
                f"{served.base}/", headers={"Host": f"evil.example:{served.port}"}
            ) as response:
                assert response.status == 421
        assert served.child_pids() == []


async def test_link_then_cookie_then_same_origin_websocket_runs_the_tui(tmp_path: Path) -> None:
    with running_serve(tmp_path) as served:
        async with browser() as client:
            await _sign_in(client, served.base, served.token)
            ws = await client.ws_connect(served.ws_url, headers={"Origin": served.base})
            await ws.send_json(["resize", {"width": 80, "height": 24}])
            screen = await read_screen(ws, MENU_TEXT)
            assert MENU_TEXT in screen, screen[-800:]
            [child] = served.child_pids()
            await ws.close()
        _wait_gone(child)
        rows = _wait_for_rows(tmp_path, 2)
    assert [(action, target) for action, target, _ in rows] == [
        ("serve.session", "127.0.0.1"),
        ("serve.session", "127.0.0.1"),
    ]
    assert '"event": "start"' in rows[0][2] and '"reason": "closed"' in rows[1][2]


async def test_an_idle_session_is_closed_and_its_process_ended(tmp_path: Path) -> None:
    with running_serve(tmp_path, "--idle-minutes", "0.05") as served:
        async with browser() as client:
            await _sign_in(client, served.base, served.token)
            ws = await client.ws_connect(served.ws_url, headers={"Origin": served.base})
            await ws.send_json(["resize", {"width": 80, "height": 24}])
            await read_screen(ws, MENU_TEXT)
            [child] = served.child_pids()
            started = time.monotonic()
            while not ws.closed and time.monotonic() - started < 30:
                await ws.send_json(["ping", "keep-alive is not input"])
                await ws.receive(timeout=1)
            assert ws.closed and ws.close_code == aiohttp.WSCloseCode.GOING_AWAY
            assert time.monotonic() - started < 15
            _wait_gone(child)
            async with client.get(f"{served.base}/") as response:
                assert response.status == 401, "after an idle end the page needs a new link"
        rows = _wait_for_rows(tmp_path, 2)
    assert '"reason": "idle"' in rows[1][2]


def test_a_host_other_than_loopback_needs_tls(tmp_path: Path) -> None:
    rxmsg = Rxmsg(tmp_path)
    for host in ("0.0.0.0", "pharmacy.example"):
        result = rxmsg("serve", "--host", host, "--port", "1")
        assert_clean_failure(result)
        assert len(result.stderr.strip().splitlines()) == 1
        assert "--certfile" in result.stderr and host in result.stderr
    result = rxmsg("serve", "--certfile", str(tmp_path / "missing.pem"))
    assert_clean_failure(result)
    assert "missing.pem" in result.stderr


async def test_with_a_certificate_it_serves_https_and_wss(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    tls_args = ("--certfile", str(tmp_path / "cert.pem"), "--keyfile", str(tmp_path / "key.pem"))
    with running_serve(tmp_path, "--host", "0.0.0.0", *tls_args) as served:
        assert served.scheme == "https"
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{served.port}/", timeout=5)
        client_tls = ssl.create_default_context()
        ca.configure_trust(client_tls)
        async with browser(connector=aiohttp.TCPConnector(ssl=client_tls)) as client:
            cookie = await _sign_in(client, served.base, served.token)
            assert "Secure" in cookie and cookie.startswith("__Host-")
            ws = await client.ws_connect(served.ws_url, headers={"Origin": served.base})
            await ws.send_json(["resize", {"width": 80, "height": 24}])
            assert MENU_TEXT in await read_screen(ws, MENU_TEXT)
            [child] = served.child_pids()
            served.process.terminate()  # stopping the server ends the open session
            assert served.process.wait(timeout=30) == 0
            _wait_gone(child)
            await ws.close()
    rows = _audit_rows(tmp_path)
    assert '"reason": "shutdown"' in rows[-1][2]


async def test_the_page_loads_nothing_from_another_host(tmp_path: Path) -> None:
    with running_serve(tmp_path) as served:
        async with browser() as client:
            async with client.get(f"{served.base}/?token={served.token}") as response:
                page = await response.text()
                policy = response.headers["Content-Security-Policy"]
            async with client.get(f"{served.base}/static/css/xterm.css") as response:
                css = await response.text()
    urls = re.findall(r"\b(?:https?|wss?)://[^\s\"'<>)]+", page)
    assert urls == [f"ws://127.0.0.1:{served.port}/ws"], urls
    assert "googleapis" not in page and "<link" in page
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_the_password_is_neither_printed_nor_on_a_command_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://u:s3cret@127.0.0.1:1/x"
    result = Rxmsg(tmp_path)("--db", url, "serve", "--port", "1", timeout=60)
    assert_clean_failure(result)
    assert "s3cret" not in result.stdout + result.stderr


@pytest.mark.postgres
async def test_on_postgresql_the_child_gets_the_url_in_its_environment(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    with_password = postgres_schema_url.replace(
        "postgresql://postgres@", "postgresql+psycopg://postgres:s3cret@", 1
    )
    assert "s3cret" in with_password, "the test server URL must be postgresql://postgres@…"
    env = serve_env(tmp_path)
    with running_serve(tmp_path, env=env, db=with_password) as served:
        banner = "\n".join(served.banner)
        assert "s3cret" not in banner and "***" in banner
        async with browser() as client:
            await _sign_in(client, served.base, served.token)
            ws = await client.ws_connect(served.ws_url, headers={"Origin": served.base})
            await ws.send_json(["resize", {"width": 80, "height": 24}])
            assert MENU_TEXT in await read_screen(ws, MENU_TEXT)
            [child] = served.child_pids()
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
            assert not any(b"s3cret" in arg for arg in argv), argv
            assert f"RXMSG_DATABASE_URL={with_password}".encode() in environ
            await ws.close()
        _wait_gone(child)
        assert not any("s3cret" in line for line in served.stderr_lines)


def _wait_gone(pid: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists():
        stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}").exists() else ""
        if ") Z " in stat:  # exited, not yet reaped
            return
        assert time.monotonic() < deadline, f"session process {pid} still running"
        time.sleep(0.1)


def _wait_for_rows(home: Path, count: int, timeout: float = 20) -> list[tuple[str, str, str]]:
    deadline = time.monotonic() + timeout
    while len(rows := _audit_rows(home)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return rows
