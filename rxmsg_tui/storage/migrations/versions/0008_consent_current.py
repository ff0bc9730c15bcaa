"""consent current: the newest ledger row per patient, channel and purpose, kept by a trigger

Every writer of the consent ledger (screens, signature pad, inbound texts, the
importer, the demo's COPY) gets `consent_current` kept for it by the database:
an upsert after each insert that keeps the newest row in ledger order
(recorded_at, then id), once for the row's purpose and once for purpose
`any` (what "texted STOP" needs). Existing ledgers are folded in here. The
SQL lives in `rxmsg_tui.storage.consent_current`, which the importer shares.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import rxmsg_tui.storage.types
from rxmsg_tui.storage.consent_current import (
    BACKFILL,
    POSTGRES_FUNCTION,
    POSTGRES_TRIGGER,
    SQLITE_TRIGGER,
    TRIGGER,
)

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consent_current',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('recorded_at', rxmsg_tui.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ledger_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ),
    sa.PrimaryKeyConstraint('patient_id', 'channel', 'purpose', name='pk_consent_current'),
    sqlite_with_rowid=False,
    )
    op.execute(BACKFILL)
    with op.batch_alter_table('consent_current', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_current_store_id'), ['store_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER {TRIGGER} ON consent')
        op.execute(f'DROP FUNCTION {TRIGGER}()')
    else:
        op.execute(f'DROP TRIGGER {TRIGGER}')
    with op.batch_alter_table('consent_current', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_current_store_id'))
    op.drop_table('consent_current')
