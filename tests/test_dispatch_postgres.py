"""Four dispatcher processes share one PostgreSQL queue: every message is sent exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.stubs.twilio_stub import ACCOUNT_SID, TwilioStub

MESSAGES = 5000
DISPATCHERS = 4


@pytest.mark.postgres
@pytest.mark.slow
def test_four_dispatchers_send_each_message_once(postgres_schema_url: str, tmp_path: Path) -> None:
    with TwilioStub() as stub:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RXMSG_")}
        env.update(
            RXMSG_DATABASE_URL=postgres_schema_url, RXMSG_DATA_DIR=str(tmp_path),
            RXMSG_CONFIG_FILE=str(tmp_path / "none.toml"),
            RXMSG_NOW="2026-03-02T12:00:00-05:00", RXMSG_TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            RXMSG_TWILIO_AUTH_TOKEN="secret-token", RXMSG_TWILIO_FROM="+12025550100",
            RXMSG_TWILIO_BASE_URL=stub.base_url,
        )  # fmt: skip
        rxmsg = [sys.executable, "-m", "rxmsg_tui"]
        setup = subprocess.run(
            [*rxmsg, "settings", "set", "setup.sms_using", "sms_service_api"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert setup.returncode == 0, setup.stderr

        engine = create_engine(
            postgres_schema_url.replace("postgresql://", "postgresql+psycopg://", 1)
        )
        uuids = [str(uuid.uuid4()) for _ in range(MESSAGES)]
        with engine.begin() as conn:
            conn.execute(
                text(
                    "insert into outbound_message (uuid, store_id, method, alert_type, priority, entity,"
                    " entity_name, recipient, subject, body, status, warning, attempts, created_at,"
                    " scheduled_at, created_by) values (:u, 1, 'SMS', 'General', 3, 'Patient', 'Ana',"
                    " :to, '', :body, 'Pending', '', 0, '2026-03-02 16:00+00', '2026-03-02 16:00+00', 't')"
                ),
                [
                    {"u": u, "to": f"+1202555{n % 10000:04d}", "body": f"m{n}"}
                    for n, u in enumerate(uuids)
                ],
            )
        workers = [
            subprocess.Popen(
                [*rxmsg, "dispatch", "--once"], env=env, stderr=subprocess.PIPE, text=True
            )
            for _ in range(DISPATCHERS)
        ]
        outputs = [w.communicate(timeout=300)[1] for w in workers]
        assert [w.returncode for w in workers] == [0] * DISPATCHERS, outputs
        with engine.connect() as conn:
            counts = dict(
                conn.execute(
                    text("select status, count(*) from outbound_message group by status")
                ).all()
            )
            attempts = conn.execute(text("select count(*) from message_attempt")).scalar()
            errors = conn.execute(
                text("select error, count(*) from message_attempt where error <> '' group by error")
            ).all()
        engine.dispose()

    assert counts == {"Sent": MESSAGES}, errors
    assert attempts == MESSAGES
    assert set(stub.delivered) == set(uuids)
    assert sum(stub.requests.values()) == MESSAGES  # no key was even requested twice
    sent_by = [int(o.split("sent ")[1].split(",")[0]) for o in outputs]
    assert sum(sent_by) == MESSAGES and sum(1 for s in sent_by if s) >= 2, sent_by
