"""A small pharmacy for daily-process tests: one call per fact, plain Core inserts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AlertSettings, Drug, OutboundMessage, RxEvent
from tests.conftest import NOW
from tests.tui.seed import insert_consent, insert_patients, insert_prefs, insert_rx, patient

LONG_AGO = NOW - timedelta(days=60)


@dataclass
class World:
    db: Database
    store_id: int

    def settings(self, **values: Any) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(
                update(AlertSettings)
                .where(AlertSettings.store_id == self.store_id)
                .values(**values)
            )

    def patient(
        self,
        patient_id: str = "P1",
        *,
        consent: tuple[str, ...] = ("sms", "email"),
        marketing: tuple[str, ...] = ("sms", "email"),
        prefs: dict[str, tuple[str, ...]] | None = None,
        created_at: datetime = LONG_AGO,
        **extra: Any,
    ) -> int:
        contact = {"cell_phone": "+13125550100", "email": "ann@example.com",
                   "cell_verified": True, "email_verified": True}  # fmt: skip
        row = patient(patient_id, "Ann", "Lee", created_at=created_at, **(contact | extra))
        pk = insert_patients(self.db, self.store_id, [row])[patient_id]
        for channel in consent:
            self.consent(pk, channel, "transactional", granted=True, at=created_at)
        for channel in marketing:
            self.consent(pk, channel, "marketing", granted=True, at=created_at)
        wanted = prefs if prefs is not None else {
            alert: ("sms", "email", "call")
            for alert in ("refill", "pickup", "birthday", "welcome", "review")
        }  # fmt: skip
        for alert, channels in wanted.items():
            insert_prefs(self.db, self.store_id, pk, alert, *channels)
        return pk

    def consent(
        self,
        pk: int,
        channel: str,
        purpose: str,
        *,
        granted: bool,
        at: datetime,
        source: str = "verbal",
    ) -> None:
        insert_consent(
            self.db, self.store_id, pk, channel, purpose, granted=granted, at=at, source=source
        )

    def drug(self, ndc: str = "00001", *, maintenance: bool = True, dea: int = 0) -> int:
        values = {"store_id": self.store_id, "ndc": ndc, "name": f"Drug {ndc}",
                  "maintenance": maintenance, "dea_schedule": dea}  # fmt: skip
        with self.db.engine.begin() as conn:
            return int(conn.execute(insert(Drug).values(values).returning(Drug.id)).scalar_one())

    def rx(self, pk: int, drug: int, rx_number: str = "1001", **facts: Any) -> int:
        facts.setdefault("last_fill", date(2026, 3, 1))
        insert_rx(self.db, self.store_id, pk, drug, rx_number, **facts)
        with self.db.engine.begin() as conn:
            found = conn.execute(select(RxEventRx.id).where(RxEventRx.rx_number == rx_number))
            return int(found.scalar_one())

    def event(self, rx_id: int, kind: str, at: datetime, fill: date = date(2026, 3, 1)) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(insert(RxEvent).values(
                store_id=self.store_id, prescription_id=rx_id, kind=kind, fill_date=fill,
                occurred_at=at, username="alice", source="cli",
            ))  # fmt: skip

    def queued(self) -> list[tuple[str, str, str]]:
        """(alert type, method, dedupe key) of every queued message, sorted."""
        with self.db.engine.begin() as conn:
            rows = conn.execute(
                select(
                    OutboundMessage.alert_type, OutboundMessage.method, OutboundMessage.dedupe_key
                )
            )
            return sorted((a, m, k or "") for a, m, k in rows)

    def messages(self) -> list[Any]:
        with self.db.engine.begin() as conn:
            return list(conn.execute(select(OutboundMessage).order_by(OutboundMessage.id)))


from rxmsg_tui.storage.models import Prescription as RxEventRx  # noqa: E402
