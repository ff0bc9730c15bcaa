"""Whatever is typed or fed to `rxmsg`: one short line and exit 1 or 2, never a traceback or a password."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from rxmsg_tui.cli import main
from rxmsg_tui.cli.errors import RxmsgGroup
from rxmsg_tui.services.errors import InvalidInput
from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.conftest import postgres_url_or_skip

PASSWORD = "S3cret-Passw0rd"
LONGEST_LINE = 400


def assert_one_short_line(result: subprocess.CompletedProcess[str], *, code: int = 1) -> str:
    """The promised failure, and its reason short enough to read and paste into a ticket."""
    assert_clean_failure(result, code=code)
    last = result.stderr.strip().splitlines()[-1]
    assert len(last) <= LONGEST_LINE, last[:200]
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    return last


def run_with_database_url(home: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`rxmsg` with RXMSG_DATABASE_URL set as a technician would set it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RXMSG_")}
    env |= {
        "RXMSG_DATA_DIR": str(home),
        "RXMSG_CONFIG_FILE": str(home / "config.toml"),
        "RXMSG_DATABASE_URL": url,
    }
    return subprocess.run(
        [sys.executable, "-m", "rxmsg_tui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def rxmsg(tmp_path_factory: pytest.TempPathFactory) -> Rxmsg:
    runner = Rxmsg(tmp_path_factory.mktemp("fuzz"))
    assert runner("patients", "--format", "json").returncode == 0  # the store exists
    return runner


@pytest.mark.parametrize("opening", ["[", '{"a":'], ids=["arrays", "objects"])
def test_event_batch_with_json_nested_too_deeply_names_the_line(
    rxmsg: Rxmsg, tmp_path: Path, opening: str
) -> None:
    path = tmp_path / "events.jsonl"
    good = json.dumps({"rx_number": "1", "event": "picked-up"})
    path.write_text(f"{good}\n{opening * 100_000}\n")
    result = rxmsg("event", "batch", str(path))
    assert_one_short_line(result)
    assert "line 2: not valid JSON (nested too deeply" in result.stderr


def test_settings_import_with_json_nested_too_deeply_names_the_line(
    rxmsg: Rxmsg, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"format": "rxmsg-settings",\n"settings": ' + "[" * 100_000)
    result = rxmsg("settings", "import", str(path))
    assert assert_one_short_line(result).endswith("is not JSON: line 2: nested too deeply")
    deep_objects = tmp_path / "objects.json"
    deep_objects.write_text('{"a":' * 100_000)
    assert "line 1: nested too deeply" in assert_one_short_line(
        rxmsg("settings", "import", str(deep_objects))
    )


def test_settings_set_with_a_value_nested_too_deeply_is_plain_text(rxmsg: Rxmsg) -> None:
    result = rxmsg("settings", "set", "store.name", "[" * 100_000)
    assert assert_one_short_line(result) == "rxmsg: store.name: at most 120 characters"


def test_a_database_url_with_a_port_that_is_no_number(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://rx:{PASSWORD}@db.example:abc/rxmsg"
    result = run_with_database_url(tmp_path, url, "patients")
    line = assert_one_short_line(result)
    assert line == 'rxmsg: RXMSG_DATABASE_URL: port "abc" is not a number'
    given_as_option = Rxmsg(tmp_path)("--db", url, "patients")
    assert assert_one_short_line(given_as_option) == 'rxmsg: --db: port "abc" is not a number'


@pytest.mark.parametrize(
    "url",
    [
        f"rx:{PASSWORD}@db.example/rxmsg",
        f"postgresql+psycopg://rx:{PASSWORD[:6]}@{PASSWORD[7:]}@127.0.0.1/rxmsg",
        f"postgresql+psycopg://rx:{PASSWORD}@[::1/rxmsg",
        f"postgresql+psycopg://rx:{PASSWORD}@127.0.0.1:99999/rxmsg",
        f"mysql://rx:{PASSWORD}@127.0.0.1/rxmsg",
        f"postgresql+psycopg://rx:{PASSWORD}@127.0.0.1/rxmsg?connect_timeout=soon",
    ],
    ids=["no scheme", "unescaped @", "broken IPv6", "port too big", "mysql", "bad option"],
)
def test_an_unusable_database_url_is_one_line_without_its_password(
    tmp_path: Path, url: str
) -> None:
    result = run_with_database_url(tmp_path, url, "patients")
    assert_one_short_line(result)
    assert PASSWORD[:6] not in result.stderr + result.stdout
    assert PASSWORD[7:] not in result.stderr + result.stdout


def test_a_sqlite_file_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    result = run_with_database_url(tmp_path, "sqlite:////proc/no/such/rxmsg.db", "patients")
    assert "cannot create the database file /proc/no/such/rxmsg.db" in assert_one_short_line(result)


def test_a_server_that_refuses_the_login_is_one_line_without_the_password(tmp_path: Path) -> None:
    server = make_url(postgres_url_or_skip().replace("postgresql://", "postgresql+psycopg://", 1))
    wrong = server.set(username="rxmsg_nobody", password=PASSWORD)
    url = wrong.render_as_string(hide_password=False)
    result = run_with_database_url(tmp_path, url, "patients")
    assert "the database cannot be used" in assert_one_short_line(result)
    assert PASSWORD not in result.stderr + result.stdout


def test_a_server_that_is_not_there_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://rx:{PASSWORD}@127.0.0.1:1/rxmsg"
    result = run_with_database_url(tmp_path, url, "patients")
    assert "the database cannot be used" in assert_one_short_line(result)
    assert PASSWORD not in result.stderr + result.stdout


def test_a_huge_rx_number_is_cut_to_80_characters(rxmsg: Rxmsg, tmp_path: Path) -> None:
    typed = rxmsg("event", "picked-up", "9" * 100_000)  # about the most one argument can hold
    line = assert_one_short_line(typed)
    assert line.startswith("rxmsg: no prescription Rx 999")
    assert max(len(word) for word in line.split()) <= 80
    fed = tmp_path / "events.jsonl"
    fed.write_text(json.dumps({"rx_number": "9" * 5_000_000, "event": "picked-up"}) + "\n")
    result = rxmsg("event", "batch", str(fed))
    assert_one_short_line(result)
    assert len(result.stderr) < 300, result.stderr[:300]


@pytest.mark.parametrize(
    "args",
    [
        ("patients", "--format", "x" * 100_000),
        ("queue", "--from", "2026-13-45\x1b[2J"),
        ("queue", "--status", "\x1b]0;owned\x07"),
        ("settings", "show", "k" * 100_000),
        ("settings", "set", "k" * 100_000, "1"),
        ("users", "add", "\x1b[31mroot", "--role", "admin"),
        ("event", "label-printed", "1", "--at", "t" * 100_000),
        ("event", "batch", "/"),
        ("event", "batch", "/no/such/file.jsonl"),
        ("event", "batch", "/dev/null"),
        ("import", "patients", "/"),
        ("settings", "import", "/dev/zero"),
        ("settings", "import", "/no/such/settings.json"),
        ("x" * 100_000,),
    ],
    ids=lambda a: " ".join(a)[:40].encode("unicode_escape").decode(),
)
def test_weird_arguments_fail_in_one_line(rxmsg: Rxmsg, args: tuple[str, ...]) -> None:
    result = rxmsg(*args)
    assert result.returncode in (1, 2), result.stderr[-300:]
    assert_one_short_line(result, code=result.returncode)


def test_files_that_are_not_what_they_claim(rxmsg: Rxmsg, tmp_path: Path) -> None:
    nul = tmp_path / "nul.jsonl"
    nul.write_bytes(b'\x00{"rx_number": "1\x00", "event": "picked-up"}\n')
    assert "line 1: not valid JSON" in rxmsg("event", "batch", str(nul)).stderr
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"format": "rxmsg-settings", "x": "\xe9"}')
    assert assert_one_short_line(rxmsg("settings", "import", str(latin))).endswith(
        "is not UTF-8 text"
    )
    odd_name = os.fsdecode(os.fsencode(tmp_path) + b"/events-\xff.csv")
    Path(odd_name).write_text("rx_number,event\n1,picked-up\n")
    result = rxmsg("event", "batch", odd_name)
    assert "line 2: no prescription Rx 1 at this store" in result.stderr
    assert_one_short_line(result)


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The same commands in this process, for many examples: a store made once."""
    home = tmp_path_factory.mktemp("inprocess")
    env = {
        "RXMSG_DATA_DIR": str(home),
        "RXMSG_DATABASE_URL": f"sqlite:///{home / 'rxmsg.db'}",
        "RXMSG_CONFIG_FILE": str(home / "config.toml"),
    }
    assert CliRunner().invoke(main, ["patients", "--format", "json"], env=env).exit_code == 0
    return env


ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=300) | st.just("9" * 200_000)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    command=st.sampled_from(
        [
            ("event", "picked-up", "{}"),
            ("event", "verified", "1", "--at", "{}"),
            ("settings", "show", "{}"),
            ("settings", "set", "store.phone", "{}"),
            ("queue", "--from", "{}"),
            ("patients", "--format", "{}"),
        ]
    ),
    value=ANY_TEXT,
)
def test_any_value_ends_in_an_exit_code_and_a_bounded_line(
    in_process: dict[str, str], command: tuple[str, ...], value: str
) -> None:
    args = [value if part == "{}" else part for part in command]
    result = CliRunner().invoke(main, args, env=in_process)
    assert result.exit_code in (0, 1, 2), result.output[-300:]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )[:300]
    if result.exit_code:
        last = result.stderr.strip().splitlines()[-1]
        assert len(last) <= LONGEST_LINE and last.isprintable(), last[:200]


def _group_raising(exc: BaseException) -> click.Group:
    @click.group(cls=RxmsgGroup)
    def group() -> None:
        """A stand-in for `rxmsg` whose one command fails as told."""

    @group.command("boom")
    def boom() -> None:
        raise exc

    return group


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
        (MemoryError(), "not enough memory"),
        (OSError(28, "No space left on device", "/var/lib/rxmsg/x"), "No space left on device"),
        (RuntimeError("a bug\nwith a second line"), "unexpected error (RuntimeError): a bug"),
        (
            InvalidInput(f"cannot reach postgresql+psycopg://rx:{PASSWORD}@db/rxmsg"),
            "postgresql+psycopg://rx:***@db/rxmsg",
        ),
    ],
    ids=["recursion", "memory", "disk full", "bug", "password in a message"],
)
def test_the_last_resort_is_one_line_and_exit_1(exc: BaseException, expected: str) -> None:
    result = CliRunner().invoke(_group_raising(exc), ["boom"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.count("\n") == 1 and expected in result.stderr
    assert "Traceback" not in result.output and PASSWORD not in result.output


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    suffix=st.sampled_from([".csv", ".jsonl"]),
    content=st.binary(max_size=2000)
    | st.lists(
        st.sampled_from(
            [
                '{"rx_number": "1", "event": "picked-up"}',
                "[" * 5000,
                "\x00",
                "rx_number,event",
                "1,verified",
                '{"a":' * 3000,
                "\ufeff",
                '"',
            ]
        )
    ).map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")),
)
def test_any_event_file_is_recorded_or_refused_in_lines(
    in_process: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    suffix: str,
    content: bytes,
) -> None:
    path = tmp_path_factory.mktemp("events") / f"events{suffix}"
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["event", "batch", str(path)], env=in_process)
    assert result.exit_code in (0, 1), result.output[-300:]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert all(len(line) <= LONGEST_LINE for line in result.stderr.splitlines())
