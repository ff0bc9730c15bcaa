"""Renders per second of the cached SMS templates against plain `str.format` of the same text.

Run by hand: `python bench/bench_templates.py [--renders N] [--repeats N]`. Every default
SMS format (each alert type, English and Spanish) is rendered for a rotating set of
patients through `domain.templates.render` (sandboxed Jinja2, compiled once and cached)
and through `str.format` of the same text with `{name}` fields; the outputs are checked
equal first. Also timed: the editor's live preview of a draft that changed since the
last one (parse, check, render, SMS length), which is what one debounced keystroke costs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable

from rxmsg_tui.domain.default_formats import default_format
from rxmsg_tui.domain.template_variables import BY_LEGACY, sample_values
from rxmsg_tui.domain.templates import render
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method
from rxmsg_tui.services.formats.preview import PreviewSample, preview_format

FIRST_NAMES = ("Maria", "John", "Ann", "Bob", "Lupe", "Chen", "Amara", "Olek")


def templates() -> list[tuple[AlertType, str, str]]:
    """(alert type, legacy template, the same text as a `str.format` pattern)."""
    found = []
    for language in Language:
        for alert in AlertType:
            body = default_format(alert, Method.SMS, language.value).body
            pattern = re.sub(
                r"#([A-Z][A-Z0-9_]*)#",
                lambda m: "{" + BY_LEGACY[m[1]].name + "}",
                body.replace("{", "{{").replace("}", "}}"),
            )
            found.append((alert, body, pattern))
    return found


def value_sets(alert: AlertType, count: int) -> list[dict[str, str]]:
    base = sample_values(alert)
    return [
        {**base, "patient_first_name": name, "patient_name": f"{name} Lopez{i}"}
        for i, name in enumerate(FIRST_NAMES[i % len(FIRST_NAMES)] for i in range(count))
    ]


def rate(work: Callable[[], int], repeats: int) -> float:
    """Operations per second: the median of `repeats` timed runs of `work`."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = work()
        rates.append(done / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200_000, help="renders per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs; the median is kept")
    args = parser.parse_args()
    renders: int = args.renders
    repeats: int = args.repeats

    jobs = [(body, pattern, value_sets(alert, 64)) for alert, body, pattern in templates()]
    for body, pattern, values in jobs:
        for one in values[:4]:
            assert render(body, one) == pattern.format(**one), body
    per_job = max(renders // (len(jobs) * 64), 1)
    total = per_job * len(jobs) * 64

    def jinja() -> int:
        for body, _, values in jobs:
            for _ in range(per_job):
                for one in values:
                    render(body, one)
        return total

    def plain() -> int:
        for _, pattern, values in jobs:
            for _ in range(per_job):
                for one in values:
                    pattern.format(**one)
        return total

    sample = PreviewSample(values=sample_values())
    counter = iter(range(10**9))

    def previews() -> int:
        for _ in range(2_000):
            draft = f"#STORENAME#: Hi #PATIENTFIRSTNAME#, order {next(counter)} is ready."
            preview_format(Method.SMS, AlertType.READY_FOR_PICKUP, "Pickup", draft, sample)
        return 2_000

    cached = rate(jinja, repeats)
    formatted = rate(plain, repeats)
    edited = rate(previews, repeats)
    print(f"{len(jobs)} SMS templates, {total:,} renders per run, median of {repeats}")
    print(f"templates.render (cached, sandboxed): {cached:12,.0f} renders/s")
    print(f"str.format of the same text:          {formatted:12,.0f} renders/s")
    print(f"ratio str.format / render:            {formatted / cached:12.1f}x")
    print(f"live preview of an edited draft:      {edited:12,.0f} previews/s")


if __name__ == "__main__":
    main()
