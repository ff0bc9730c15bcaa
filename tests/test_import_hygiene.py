"""Nothing below the UI imports Textual: checked in a fresh interpreter and by import-linter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

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
