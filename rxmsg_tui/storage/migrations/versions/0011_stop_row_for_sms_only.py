"""consent current: the `any` row for SMS only, the one channel a STOP is read from

`consent_current` held, beside each channel's row per purpose, a row of
purpose `any` with the channel's newest row of whatever purpose. Only SMS's
is read ("texted STOP", `services.daily.eligibility.opted_out_by_text`);
the email and call ones were written by every ledger insert and never read,
and were a third of what an import wrote there. They are deleted and the
trigger re-created from `rxmsg_tui.storage.consent_current`, which no
longer writes them.

Downgrade keeps the table as it is: the code of revision 0010 reads the
`any` row of SMS only, which this keeps exact.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

from alembic import op

from rxmsg_tui.storage.consent_current import (
    POSTGRES_FUNCTION,
    SQLITE_TRIGGER,
    STOP_CHANNEL,
    TRIGGER,
)

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        f"DELETE FROM consent_current WHERE purpose = 'any' AND channel <> '{STOP_CHANNEL}'"  # noqa: S608
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_FUNCTION)  # CREATE OR REPLACE: the trigger calls it by name
    else:
        op.execute(f'DROP TRIGGER {TRIGGER}')
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    pass
