"""A bare Textual app showing one page of queue-like rows in a DataTable: the memory floor.

Run by bench_queue_screen.py in a process of its own, so that its resident
memory holds Textual and one painted page and nothing of rxmsg (SQLAlchemy,
pydantic, the screens). Prints one JSON line: the RSS after `import textual`,
once the page is painted, and the process's peak (VmHWM), in MiB.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

PAGE = 50


def status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mib() -> float:
    """The resident memory now (VmRSS), in MiB."""
    return status_mib("VmRSS")


def peak_mib() -> float:
    """This program's high-water mark (VmHWM): ru_maxrss would keep the parent's across exec."""
    return status_mib("VmHWM")


async def painted_page() -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable(cursor_type="row")
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_column("Date/Time Method Alert Prio Entity Name Status Att Warning")
            for i in range(PAGE):
                table.add_row(
                    f"03/02 10:{i:02d} SMS    Refill    Norm Patient{i:07d}, Pat  Sent        1"
                )

    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("pagedown")
        await pilot.pause()
        return rss_mib()


def main() -> None:
    import textual  # noqa: F401  (what every Textual app pays before its first widget)

    imported = rss_mib()
    painted = asyncio.run(painted_page())
    json.dump({"imported": imported, "painted": painted, "peak": peak_mib()}, sys.stdout)


if __name__ == "__main__":
    main()
