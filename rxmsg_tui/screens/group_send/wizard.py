"""Send Email/SMS (the legacy "Sending General Messages"): patients, message, confirm.

The three steps live side by side and only the one on show changes: Back and
Next switch which is visible, so every filter, tick and word typed is still
there when staff come back to it. The screen holds what the steps share —
the selection, the request key of this send — and makes every service call.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Checkbox, ContentSwitcher, DataTable, Input, Select, Static

from rxmsg_tui.domain.vocabulary import AlertType
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import Item
from rxmsg_tui.screens.group_send.candidate_list import CandidateList, Ticks
from rxmsg_tui.screens.group_send.sending import GroupSending
from rxmsg_tui.screens.group_send.step_confirm import ConfirmStep
from rxmsg_tui.screens.group_send.step_message import MessageStep
from rxmsg_tui.screens.group_send.step_patients import PatientsStep
from rxmsg_tui.screens.group_send.templates import ticked_templates
from rxmsg_tui.screens.message_queue import OutboundMessagingQueueScreen
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import FieldError, ServiceError
from rxmsg_tui.services.formats.preview import insertable_variables
from rxmsg_tui.services.group_send import (
    GroupMessage,
    PatientFilter,
    Selection,
    check_message,
    count_candidates,
    previously_sent,
)
from rxmsg_tui.widgets.variable_picker import VariablePicker

FILTER_PAUSE = 0.3
"""Seconds of no typing before the list is read again."""
STEPS = {
    1: ("step-patients", "Patients"),
    2: ("step-message", "Message"),
    3: ("step-confirm", "Confirm"),
}
STEP_KEYS = {
    1: {"select_all", "unselect_all", "settings", "more_filters", "next_step", "toggle_row"},
    2: {"back_step", "next_step", "variables"},
    3: {"back_step", "send", "open_queue"},
}


class GroupSendScreen(RxScreen):
    """One wizard for a group (from Patient Listing) or for named patients (the bell, a profile)."""

    CSS_PATH = "group_send.tcss"
    AUTO_FOCUS = "#search"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Close", id="back", tooltip="Leave Send Email/SMS"),
        Binding(
            "f7", "back_step", "Back", id="group.back", tooltip="The step before", priority=True
        ),
        Binding("f8", "next_step", "Next", id="group.next", tooltip="The next step"),
        Binding("f9", "send", "Send to Message Queue", id="group.send"),
        Binding("f10", "open_queue", "Queue", id="group.queue", tooltip="This group in the queue"),
        Binding("f2", "select_all", "All", id="group.all", tooltip="Select every matching patient"),
        Binding("f3", "unselect_all", "None", id="group.none", tooltip="Unselect everyone"),
        Binding(
            "f4",
            "settings",
            "Settings",
            id="group.bell",
            tooltip="Patient Message Settings of the highlighted patient",
        ),
        Binding("f5", "more_filters", "Filters", id="group.more", tooltip="More filters"),
        Binding("space", "toggle_row", "Tick", id="group.tick", tooltip="Tick or untick"),
        Binding("f6", "variables", "Variables", id="group.variables", priority=True),
    ]

    def __init__(
        self,
        context: AppContext,
        item: Item,
        *,
        patient_ids: list[str] | None = None,
        search: str = "",
    ) -> None:
        super().__init__(context, item)
        self.patient_ids = tuple(patient_ids or ())
        self.search = search
        self.step = 1
        self.flt = PatientFilter()
        """The filter of the rows on show: the selection is made against it."""
        self.ticks = Ticks(chosen=None if self.patient_ids else set())
        """Who is ticked; a one-patient send starts with its patients ticked."""
        self.selected = 0
        self.sending = GroupSending(self, context)
        self._pause: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="step-title")
        with ContentSwitcher(initial="step-patients", id="steps"):
            yield PatientsStep(
                CandidateList(self.ticks, failed=self._not_listed),
                search=self.search,
                one_patient=bool(self.patient_ids),
            )
            yield MessageStep()
            yield ConfirmStep()

    def on_mount(self) -> None:
        self._show_step(1)
        self._reload()
        # After the first refresh: the steps' switcher shows its step only then.
        first = self.query_one("#candidates" if self.patient_ids else "#search")
        self.call_after_refresh(first.focus)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = set().union(*STEP_KEYS.values())
        if action in allowed and action not in STEP_KEYS[self.step]:
            return False
        if action == "toggle_row" and not isinstance(self.focused, DataTable):
            return False
        if action == "open_queue" and self.sending.group_send_id is None:
            return False
        return super().check_action(action, parameters)

    # Step 1: the patients ------------------------------------------------------------

    @on(Input.Changed, "#step-patients Input")
    @on(Select.Changed, "#step-patients Select")
    def _filter_changed(self) -> None:
        if self._pause is not None:
            self._pause.stop()
        self._pause = self.set_timer(FILTER_PAUSE, self._reload)

    @on(Input.Submitted, "#step-patients Input")
    def _filter_submitted(self) -> None:
        if self._reload():
            self.call_after_refresh(self.query_one("#candidates").focus)

    def _reload(self) -> bool:
        """Read the first page and the counts again for the filters as typed now.

        False when a filter is typed wrong: that is said at the field, nothing is read.
        """
        if self._pause is not None:
            self._pause.stop()
            self._pause = None
        self.ticks.excluded.clear()
        step = self.query_one(PatientsStep)
        step.show_problem("")
        try:
            self.flt = PatientFilter(**step.form().checked(), patient_ids=self.patient_ids)
        except ServiceError as error:
            step.show_problem(str(error), error.field if isinstance(error, FieldError) else "")
            self.query_one(CandidateList).forget()
            self._show_count((0, 0, 0))
            return False
        ctx = self.context
        self.query_one(CandidateList).read(ctx, self.flt, now=ctx.clock.now())
        self._count()
        return True

    def _not_listed(self, event: WorkFailed) -> None:
        self.query_one(PatientsStep).show_problem(event.text, event.field)

    def action_toggle_row(self) -> None:
        listed = self.query_one(CandidateList)
        row = listed.highlighted()
        if row is not None:
            self.ticks.toggle(row.patient_pk)
            listed.retick([row.patient_pk])
            self._count()

    def action_select_all(self) -> None:
        self.ticks.tick_all()
        self.query_one(CandidateList).retick()
        self._count()

    def action_unselect_all(self) -> None:
        self.ticks.tick_none()
        self.query_one(CandidateList).retick()
        self._count()

    def _count(self) -> None:
        """Selected, by email, by SMS: counted in the database, less the rows unticked."""
        db, store_id, flt = self.context.db, self.context.actor.store_id, self.flt
        now = self.context.clock.now()
        chosen = None if self.ticks.chosen is None else frozenset(self.ticks.chosen)
        read = self.query_one(CandidateList).candidates
        left_out = [read[pk] for pk in self.ticks.excluded if pk in read]

        def count() -> tuple[int, int, int]:
            counts = count_candidates(db, store_id, flt, selected=chosen, now=now)
            return (
                counts.selected - len(left_out),
                counts.by_email - sum(row.by_email for row in left_out),
                counts.by_sms - sum(row.by_sms for row in left_out),
            )

        run_service(
            self,
            count,
            self._show_count,
            self._not_listed,
            doing="counting patients to message",
            group="group-count",
        )

    def _show_count(self, counts: tuple[int, int, int]) -> None:
        self.selected, by_email, by_sms = counts
        line = f"Selected {self.selected:,} · by email {by_email:,} · by SMS {by_sms:,}"
        self.query_one("#count-line", Static).update(line)

    def action_more_filters(self) -> None:
        self.query_one(PatientsStep).toggle_more()

    @on(DataTable.RowSelected, "#candidates")
    def _row_chosen(self) -> None:
        self.action_settings()

    def action_settings(self) -> None:
        """The bell for the highlighted patient; the list is read again once it closes."""
        row = self.query_one(CandidateList).highlighted()
        if row is None:
            return
        # Imported here: the dialog opens this wizard too (Send Email/SMS), a cycle at import.
        from rxmsg_tui.dialogs.patient_message_settings import PatientMessageSettingsDialog

        dialog = PatientMessageSettingsDialog(self.context, row.patient_id)
        self.app.push_screen(dialog, lambda saved: self._refresh_rows() if saved else None)

    def _refresh_rows(self) -> None:
        """Read the rows on show again (a fixed cell turns a red row back to normal)."""
        kept = set(self.ticks.excluded)
        self._reload()
        self.ticks.excluded = kept

    # Moving between steps --------------------------------------------------------------

    def _show_step(self, step: int) -> None:
        self.step = step
        name, title = STEPS[step]
        self.query_one(ContentSwitcher).current = name
        self.query_one("#step-title", Static).update(f"Step {step} of 3 · {title}")
        self.refresh_bindings()

    def action_back_step(self) -> None:
        if self.step > 1 and not self.sending.busy:
            self._show_step(self.step - 1)

    def action_next_step(self) -> None:
        if self.step == 1:
            self._leave_patients()
        elif self.step == 2:
            self._check_message()

    def _leave_patients(self) -> None:
        email, sms = self.query_one(PatientsStep).methods()
        step = self.query_one(PatientsStep)
        if not (email or sms):
            step.show_problem("Tick Email, SMS or both")
            return
        if not self.selected:
            step.show_problem("Select at least one patient (space, or F2 for all)")
            return
        message = self.query_one(MessageStep)
        message.show_methods(email, sms)
        self._show_step(2)
        for channel, wanted in (("email", email), ("sms", sms)):
            if wanted and not message.previous[channel]:
                self._load_previous(channel)
        self.query_one("#email-subject" if email else "#sms-subject").focus()

    def _load_previous(self, channel: str) -> None:
        db, store_id = self.context.db, self.context.actor.store_id
        run_service(
            self,
            lambda: previously_sent(db, store_id, channel),
            partial(self.query_one(MessageStep).show_previous, channel),
            self._message_failed,
            doing="reading previously sent messages",
            group=f"group-previous-{channel}",
        )

    def action_variables(self) -> None:
        target = self.query_one(MessageStep).field_for_variable()
        variables = insertable_variables(AlertType.GENERAL)

        def chosen(token: str | None) -> None:
            if token is None:
                return
            if isinstance(target, Input):
                target.insert_text_at_cursor(token)
            else:
                target.insert(token)
            target.focus()

        self.app.push_screen(VariablePicker(variables, title="Variables"), chosen)

    def message(self) -> GroupMessage:
        email, sms = self.query_one(PatientsStep).methods()
        typed = self.query_one(MessageStep).typed()
        return GroupMessage(
            email=email,
            sms=sms,
            email_subject=typed.email_subject,
            email_body=typed.email_body,
            sms_subject=typed.sms_subject,
            sms_body=typed.sms_body,
        )

    def _check_message(self) -> None:
        db, store_id = self.context.db, self.context.actor.store_id
        message = self.message()
        run_service(
            self,
            lambda: check_message(db, store_id, message),
            self._checked,
            self._message_failed,
            doing="checking the message",
            group="group-check",
        )

    def _checked(self, problems: dict[str, str]) -> None:
        step = self.query_one(MessageStep)
        typed = step.typed()
        if self.message().sms and typed.save_sms and not typed.sms_subject.strip():
            needed = "A text message is saved under its subject: type one, or untick Save"
            problems = {"sms_subject": needed, **problems}
        step.show_problems(problems)
        if not problems:
            self._show_step(3)
            selection, message = self.selection(), self.message()
            self.sending.key(selection, message)
            self.sending.dry_run(selection, message)

    def _message_failed(self, event: WorkFailed) -> None:
        self.query_one(MessageStep).show_problems({"methods": event.text})

    # Step 3: confirm and send (the work itself in sending.py) ---------------------------

    def selection(self) -> Selection:
        return self.ticks.selection(self.flt)

    def action_send(self) -> None:
        """Queue once: the key is fixed when step 3 opened, so a second press queues nothing."""
        email, sms = self.query_one(PatientsStep).methods()
        typed = self.query_one(MessageStep).typed()
        ticked = ticked_templates(typed, email=email, sms=sms)
        self.sending.send(self.selection(), self.message(), ticked, done=self.refresh_bindings)

    def action_open_queue(self) -> None:
        """The Outbound Messaging Queue, its Group Send filter on the group just queued."""
        group = self.sending.group_send_id
        self.app.push_screen(OutboundMessagingQueueScreen(self.context, group_send_id=group))

    @on(Checkbox.Changed, "#by-email, #by-sms")
    def _methods_changed(self) -> None:
        self.query_one(PatientsStep).show_problem("")
