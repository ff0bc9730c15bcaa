"""One way for screens to call a service off the UI thread; no failure takes the App down.

`run_service` runs the call in a thread worker. Its answer comes back as a
shared `WorkDone` event, any exception as a shared `WorkFailed` event with
one line for staff (see `services.failures`) and a log line; both are handed
to the callbacks the screen gave, on the UI thread. A screen thus says what
to do with the rows or with the refusal, and never what to do about a
locked database or a lost connection: the answer is always the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from textual import on
from textual.dom import DOMNode
from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import Worker, get_current_worker

from rxmsg_tui.services.errors import FieldError

log = logging.getLogger("rxmsg.screens")

T = TypeVar("T")


class WorkDone(Message):
    """A service call answered; `then` takes the answer on the UI thread."""

    def __init__(self, then: Callable[[Any], object], value: object) -> None:
        super().__init__()
        self.then = then
        self.value = value


class WorkFailed(Message):
    """A service call raised; `text` is the one line to show, `field` the form field at fault."""

    def __init__(self, failed: Callable[[WorkFailed], object], error: Exception) -> None:
        from rxmsg_tui.services.failures import describe_failure  # SQLAlchemy: off the first paint

        super().__init__()
        self.failed = failed
        self.error = error
        self.text = describe_failure(error)
        self.field = error.field if isinstance(error, FieldError) else ""


def run_service(
    node: DOMNode,
    call: Callable[[], T],
    then: Callable[[T], object],
    failed: Callable[[WorkFailed], object],
    *,
    doing: str,
    group: str,
    exclusive: bool = True,
) -> Worker[None]:
    """Run `call` in a thread; `then(answer)` or `failed(event)` follow on the UI thread.

    `doing` names the work in the log ("reading the queue"). A worker replaced
    by a newer one of its `group` (when `exclusive`) posts nothing: its answer
    is out of date. The worker never raises, so the App never exits over it.
    """

    def work() -> None:
        try:
            value = call()
        except Exception as error:
            from rxmsg_tui.services.failures import log_failure

            log_failure(log, doing, error)
            _post(node, WorkFailed(failed, error))
        else:
            _post(node, WorkDone(then, value))

    return node.run_worker(
        work, name=doing, group=group, exclusive=exclusive, thread=True, exit_on_error=False
    )


def _post(node: MessagePump, event: Message) -> None:
    if not get_current_worker().is_cancelled:
        node.post_message(event)


class RunsServices(MessagePump):
    """Hands the shared events to the callbacks: every screen and dialog that calls services."""

    @on(WorkDone)
    def _work_done(self, event: WorkDone) -> None:
        event.stop()
        event.then(event.value)

    @on(WorkFailed)
    def _work_failed(self, event: WorkFailed) -> None:
        event.stop()
        event.failed(event)
