"""The size budget of one template render: no filter, join or text may grow past it.

A template cannot loop, but `replace` can still multiply: ten letters
replaced by ten letters each, eight times over, is a 100,000,000-character
SMS. So every string a render builds (filter results, `~` joins, the text
itself) is counted against one budget of `RENDER_MAX_CHARS`, and `replace`
works out the length of its result before building it: an amplifying
template stops at once, having allocated almost nothing, with `TooLarge`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from jinja2 import nodes, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.filters import do_replace
from jinja2.nodes import EvalContext
from markupsafe import escape

RENDER_MAX_CHARS = 200_000
"""What one render may build in all: filter results, `~` joins and the text itself."""


class TooLarge(ValueError):
    """The render would build more than `RENDER_MAX_CHARS` characters."""

    def __init__(self) -> None:
        super().__init__(
            f"the text would grow past {RENDER_MAX_CHARS:,} characters "
            "(a replace filter that multiplies it?)"
        )


class _Budget:
    """Characters a render may still build; shared by its filters, joins and output."""

    def __init__(self) -> None:
        self.left = RENDER_MAX_CHARS

    def spend(self, chars: int) -> None:
        if chars > self.left:
            self.left = -1
            raise TooLarge
        self.left -= chars


_BUDGET: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


@contextmanager
def budget() -> Iterator[_Budget]:
    fresh = _Budget()
    token = _BUDGET.set(fresh)
    try:
        yield fresh
    finally:
        _BUDGET.reset(token)


def _spend(chars: int) -> None:
    current = _BUDGET.get()
    if current is None:  # outside a render or a compile: still no string over the cap
        _Budget().spend(chars)
    else:
        current.spend(chars)


def counted(filter_function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose result counts against the budget (they grow a text a few times at most)."""

    @wraps(filter_function)  # keeps Jinja's pass_eval_context mark
    def counted(*args: Any, **kwargs: Any) -> Any:
        result = filter_function(*args, **kwargs)
        if isinstance(result, str):
            _spend(len(result))
        return result

    return counted


@pass_eval_context
def bounded_replace(
    eval_ctx: EvalContext, value: Any, old: Any, new: Any, count: int | None = None
) -> str:
    """Jinja's `replace`, refused before it starts when its result would be over the budget."""
    text, old_text, new_text = (
        (str(escape(part)) for part in (value, old, new))
        if eval_ctx.autoescape
        else (str(part) for part in (value, old, new))
    )
    found = text.count(old_text)
    if count is not None and isinstance(count, int) and count >= 0:
        found = min(found, count)
    _spend(len(text) + found * max(len(new_text) - len(old_text), 0))
    return do_replace(eval_ctx, value, old, new, count)


class BoundedCodeGenerator(CodeGenerator):
    """Compiles `a ~ b` to a join that counts its parts before joining them."""

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802 (Jinja's name)
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"environment.bounded_join({join}, (")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


def bounded_join(join: Callable[[Iterable[Any]], str], parts: tuple[Any, ...]) -> str:
    """`a ~ b ~ …`: the parts are counted before they are joined."""
    _spend(sum(len(part) for part in parts if isinstance(part, str)))
    return join(parts)


def bounded_concat(pieces: Iterable[str]) -> str:
    """The rendered text, stopped as soon as it passes the budget."""
    kept: list[str] = []
    for piece in pieces:
        _spend(len(piece))
        kept.append(piece)
    return "".join(kept)
