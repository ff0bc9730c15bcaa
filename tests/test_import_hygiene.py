"""The layers' import rules, mirrored here from the import-linter contracts in pyproject.toml.

Nothing below the UI imports Textual (checked in a fresh interpreter); screens,
widgets and dialogs never import storage, providers or the database and HTTP
libraries themselves; the domain imports none of the standard library's I/O.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import rxmsg_tui

UI = (
    "rxmsg_tui.app",
    "rxmsg_tui.screens",
    "rxmsg_tui.widgets",
    "rxmsg_tui.dialogs",
    "rxmsg_tui.cli",
    "rxmsg_tui.__main__",
)


def _core_modules() -> list[str]:
    names = []
    for module in pkgutil.walk_packages(rxmsg_tui.__path__, "rxmsg_tui."):
        if module.name.startswith(UI) or ".migrations" in module.name:
            continue
        names.append(module.name)
    return names


def test_core_modules_do_not_import_textual() -> None:
    modules = _core_modules()
    assert "rxmsg_tui.services.store_settings" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_cli_commands_do_not_load_textual_before_they_need_it() -> None:
    code = "import sys, rxmsg_tui.cli; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


UI_MUST_NOT_IMPORT = (
    "rxmsg_tui.storage",
    "rxmsg_tui.providers",
    "sqlalchemy",
    "sqlmodel",
    "httpx",
)
DOMAIN_MUST_NOT_IMPORT = (
    "socket", "ssl", "smtplib", "http", "sqlite3", "subprocess", "os", "shutil", "tempfile",
    "asyncio", "selectors",
)  # fmt: skip


def _imports(package: str) -> list[tuple[str, str]]:
    """Every module each file of `package` imports, anywhere in it (functions included)."""
    root = Path(rxmsg_tui.__file__).parent / package
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(path.name, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((path.name, node.module))
    return found


def _breaking(found: list[tuple[str, str]], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{name} imports {module}"
        for name, module in found
        if any(module == bad or module.startswith(bad + ".") for bad in forbidden)
    ]


def test_screens_widgets_and_dialogs_reach_data_only_through_services() -> None:
    for package in ("screens", "widgets", "dialogs"):
        found = _imports(package)
        assert any(module.startswith("rxmsg_tui.services") for _, module in found)
        assert _breaking(found, UI_MUST_NOT_IMPORT) == [], package


def test_the_domain_does_no_io() -> None:
    found = _imports("domain")
    assert ("safe_text.py", "urllib.parse") in found  # parsing text is not I/O
    assert _breaking(found, DOMAIN_MUST_NOT_IMPORT) == []
