"""`rxmsg --help` and usage errors load no database, UI or HTTP library (DESIGN §7 start-up).

A pharmacy system may call `rxmsg event …` per prescription and staff type
`rxmsg --help` to find their way; SQLAlchemy, Textual, httpx and pydantic
cost a second to load, so only the command that runs loads what it uses.
"""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from rxmsg_tui.cli import COMMANDS, main
from rxmsg_tui.domain.safe_text import url_password

HEAVY = ("sqlalchemy", "sqlmodel", "textual", "httpx", "pydantic", "pydantic_settings")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('LOADED', *[m for m in {HEAVY!r} if m in sys.modules])\n"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.rsplit("LOADED", 1)[1].split())


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _loaded_after("import rxmsg_tui.cli") == set()


@pytest.mark.parametrize(
    "args", [["--help"], ["--nosuch"], ["nosuch"], ["--version"]], ids=" ".join
)
def test_help_and_usage_errors_load_no_heavy_library(args: list[str]) -> None:
    code = (
        "from rxmsg_tui.cli import main\n"
        "try:\n"
        f"    main({args!r}, prog_name='rxmsg')\n"
        "except SystemExit:\n"
        "    pass"
    )
    assert _loaded_after(code) == set()


LIGHT_COMMANDS = tuple(COMMANDS)
"""Every command: a typo in its options is answered before anything heavy loads (the
command then loads what it uses). A pharmacy system or a script calls some of them often."""


@pytest.mark.parametrize("name", LIGHT_COMMANDS)
def test_a_commands_usage_error_loads_no_heavy_library(name: str) -> None:
    code = (
        "from rxmsg_tui.cli import main\n"
        "try:\n"
        f"    main([{name!r}, '--no-such-option'], prog_name='rxmsg')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 2, exit.code"
    )
    assert _loaded_after(code) == set()


def test_help_lists_every_command_with_its_own_summary() -> None:
    ctx = click.Context(main)
    for name, entry in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert entry.summary == command.get_short_help_str(limit=1000), name
    shown = subprocess.run(
        [sys.executable, "-m", "rxmsg_tui", "--help"], capture_output=True, text=True, check=True
    ).stdout
    listed = shown.split("Commands:", 1)[1].split()
    assert all(name in listed for name in COMMANDS)


def test_an_unknown_command_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rxmsg_tui", "nosuch"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "No such command 'nosuch'" in result.stderr


_URL_PART = st.text(alphabet="ab:@/%?#+.-_ 9", max_size=12)


@given(user=_URL_PART, password=_URL_PART, rest=_URL_PART)
def test_password_of_a_url_is_read_as_sqlalchemy_reads_it(
    user: str, password: str, rest: str
) -> None:
    url = f"postgresql+psycopg://{user}:{password}@{rest}"
    try:
        expected = make_url(url).password
    except Exception:  # a URL SQLAlchemy refuses is masked by pattern elsewhere
        return
    assert url_password(url) == expected
