"""Message templates: legacy `#VARIABLES#` and Jinja2 syntax, sandboxed, checked at save.

Templates are rendered by Jinja2's `SandboxedEnvironment` with `StrictUndefined`,
and the language is cut down further on purpose: variables, a few text filters
and `if`/`else`, nothing that loops, calls, reads attributes or includes. A
pharmacy template needs no more, and a template that cannot loop or call
cannot hang the dispatcher or reach Python objects. Compiled templates are
cached by their source.

Nor can a template build a huge text: every filter result, every `~` and the
text itself count against one budget per render (`template_budget`), so
chained replaces that would multiply a name into gigabytes stop at once with
a `TemplateError`. `check` also renders the template with the sample and the
longest values of its alert type, so a filter given the wrong arguments is
refused at save instead of failing every day at send.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment

from rxmsg_tui.domain.template_budget import (
    BoundedCodeGenerator,
    TooLarge,
    bounded_concat,
    bounded_join,
    bounded_replace,
    budget,
    counted,
)
from rxmsg_tui.domain.template_variables import BY_LEGACY, BY_NAME, long_values, sample_values
from rxmsg_tui.domain.text_limits import TEMPLATE_MAX_CHARS
from rxmsg_tui.domain.vocabulary import AlertType

ALLOWED_FILTERS = frozenset(
    {"upper", "lower", "title", "capitalize", "trim", "default", "d", "truncate", "replace", "e"}
)
ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "string"})
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.Filter,
    nodes.Test,
    nodes.If,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
    nodes.Keyword,
)
_LEGACY_TOKEN = re.compile(r"#([A-Z][A-Z0-9_]*)#")


class TemplateError(ValueError):
    """A template that cannot be saved or rendered; says what and where (line, column)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.reason = message
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line and column else ""
        where = where or (f"line {line}: " if line else "")
        super().__init__(f"{where}{message}")


@dataclass(frozen=True)
class _Compiled:
    render: Any
    names: frozenset[str]


class _Environment(SandboxedEnvironment):
    """The sandbox, with the filters and tests cut down to `ALLOWED_*` and every text bounded."""

    code_generator_class = BoundedCodeGenerator
    bounded_join = staticmethod(bounded_join)
    concat = staticmethod(bounded_concat)

    def __init__(self, *, html: bool) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=html, keep_trailing_newline=True)
        self.filters = {k: counted(v) for k, v in self.filters.items() if k in ALLOWED_FILTERS}
        self.filters["replace"] = bounded_replace
        self.tests = {k: v for k, v in self.tests.items() if k in ALLOWED_TESTS}
        self.globals.clear()


_ENVIRONMENTS = {False: _Environment(html=False), True: _Environment(html=True)}


def to_jinja(source: str) -> str:
    """`#PATIENTNAME#` → `{{ patient_name }}`; unknown tokens become an error with position."""

    def replace(match: re.Match[str]) -> str:
        variable = BY_LEGACY.get(match.group(1))
        if variable is None:
            line, column = _position(source, match.start())
            raise TemplateError(f"unknown variable {match.group(0)}", line, column)
        return "{{ " + variable.name + " }}"

    return _LEGACY_TOKEN.sub(replace, source)


def check(source: str, alert_type: AlertType, *, html: bool = False) -> None:
    """Refuse at save what would fail or leak at send: syntax, unknown or foreign variables,
    and anything that fails to render with the sample or the longest values of the alert type.
    """
    compiled = _compile(source, html)
    for name in sorted(compiled.names):
        variable = BY_NAME.get(name)
        line, column = _find_name(source, name)
        if variable is None:
            raise TemplateError(f"unknown variable {name!r}", line, column)
        if alert_type not in variable.applies_to:
            raise TemplateError(
                f"{variable.token} does not apply to {alert_type.value} messages", line, column
            )
    for values in trial_values(alert_type):
        render(source, values, html=html)


def trial_values(alert_type: AlertType) -> tuple[dict[str, str], dict[str, str]]:
    """The sample values of the alert type's variables, then the longest ones."""
    return sample_values(alert_type), long_values(alert_type)


def render(source: str, values: Mapping[str, str], *, html: bool = False) -> str:
    """The text for one patient; any failure is a `TemplateError`, never anything else."""
    compiled = _compile(source, html)
    with budget():
        try:
            return str(compiled.render(dict(values)))
        except TooLarge as exc:
            raise TemplateError(str(exc), _template_line(exc)) from None
        except JinjaError as exc:
            raise TemplateError(_plain(exc), _template_line(exc)) from None
        except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
            raise TemplateError(_misuse(exc), _template_line(exc)) from None
        except RecursionError:
            raise TemplateError("the template is nested too deeply") from None
        except MemoryError:
            raise TemplateError("the text is too large to build") from None


@dataclass(frozen=True)
class Variable:
    """A variable's place in a flat template (see `flat_pieces`)."""

    name: str


def flat_pieces(source: str) -> tuple[str | Variable, ...] | None:
    """The template as literal text and variables in order, or None when it is not that simple.

    Most pharmacy templates are text with `#VARIABLES#` and nothing else; such a
    template can be filled in by the database itself (the daily process builds
    a whole day's reminders with one INSERT…SELECT). Anything with a filter or
    an `if` is rendered by Jinja2 instead. Checks the template as `check` does.
    """
    _compile(source, False)  # refuses what `render` would refuse, with the same message
    tree = _ENVIRONMENTS[False].parse(to_jinja(source))
    pieces: list[str | Variable] = []
    for statement in tree.body:
        if not isinstance(statement, nodes.Output):
            return None
        for node in statement.nodes:
            if isinstance(node, nodes.TemplateData):
                pieces.append(node.data)
            elif isinstance(node, nodes.Name):
                pieces.append(Variable(node.name))
            else:
                return None
    return tuple(pieces)


def _compile(source: str, html: bool) -> _Compiled:
    if len(source) > TEMPLATE_MAX_CHARS:
        raise TemplateError(
            f"the template is {len(source):,} characters; at most {TEMPLATE_MAX_CHARS:,}"
        )
    try:
        with budget():  # Jinja works out filters of constants while it compiles
            return _compile_cached(source, html)
    except RecursionError:
        raise TemplateError("the template is nested too deeply") from None


@lru_cache(maxsize=2048)
def _compile_cached(source: str, html: bool) -> _Compiled:
    environment = _ENVIRONMENTS[html]
    jinja_source = to_jinja(source)
    try:
        tree = environment.parse(jinja_source)
    except TemplateSyntaxError as exc:
        raise TemplateError(_plain(exc), exc.lineno) from None
    names: set[str] = set()
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            raise TemplateError(_refusal(node), node.lineno)
        if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            raise TemplateError(f"filter {node.name!r} is not allowed", node.lineno)
        if isinstance(node, nodes.Test) and node.name not in ALLOWED_TESTS:
            raise TemplateError(f"test {node.name!r} is not allowed", node.lineno)
        if isinstance(node, nodes.Name):
            names.add(node.name)
    try:
        template = environment.from_string(tree)
    except JinjaError as exc:
        raise TemplateError(_plain(exc)) from None
    return _Compiled(template.render, frozenset(names))


def _refusal(node: nodes.Node) -> str:
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        return "reading attributes or items is not allowed in a template"
    if isinstance(node, nodes.For):
        return "loops are not allowed in a template"
    if isinstance(node, nodes.Call):
        return "calling functions is not allowed in a template"
    return f"{type(node).__name__.lower()} is not allowed in a template (use variables and if/else)"


_FILTER_FUNCTION = re.compile(r"\b(?:do|bounded)_(\w+)\(\)")


def _misuse(exc: Exception) -> str:
    """A Python error inside a filter, in words about the template (`do_title()` → `title`)."""
    text = _plain(exc)
    found = _FILTER_FUNCTION.search(text)
    if found:
        detail = _FILTER_FUNCTION.sub(lambda m: f"{m.group(1)}()", text)
        return f"the {found.group(1)!r} filter cannot be used this way: {detail}"
    return f"cannot render: {text}"


def _template_line(exc: BaseException) -> int | None:
    """The template line Jinja's rewritten traceback points at, if any."""
    line, trace = None, exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _plain(exc: Exception) -> str:
    text = str(getattr(exc, "message", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _position(source: str, offset: int) -> tuple[int, int]:
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _find_name(source: str, name: str) -> tuple[int | None, int | None]:
    """Where a variable first appears, as `#LEGACY#` or as a Jinja name."""
    variable = BY_NAME.get(name)
    for pattern in ([re.escape(variable.token)] if variable else []) + [rf"\b{re.escape(name)}\b"]:
        found = re.search(pattern, source)
        if found:
            return _position(source, found.start())
    return None, None
