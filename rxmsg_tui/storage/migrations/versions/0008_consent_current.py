"""consent current: the newest ledger row per patient, channel and purpose, kept by a trigger

Every writer of the consent ledger (screens, signature pad, inbound texts, the
importer, the demo's COPY) gets `consent_current` kept for it by the database:
an upsert after each insert that keeps the newest row in ledger order
(recorded_at, then id), once for the row's purpose and once for purpose
`any` (what "texted STOP" needs). Existing ledgers are folded in here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import rxmsg_tui.storage.types

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = 'consent_current_keep'
COLUMNS = 'store_id, patient_id, channel, purpose, granted, source, recorded_at, ledger_id'
# Ledger order: a row replaces the held one only when it is newer (recorded_at, then id), so
# rows written out of order, or by transactions that commit out of order, still end right.
KEEP_NEWEST = """ON CONFLICT (patient_id, channel, purpose) DO UPDATE SET
    granted = excluded.granted, source = excluded.source,
    recorded_at = excluded.recorded_at, ledger_id = excluded.ledger_id
  WHERE excluded.recorded_at > consent_current.recorded_at
     OR (excluded.recorded_at = consent_current.recorded_at
         AND excluded.ledger_id > consent_current.ledger_id)"""

SQLITE_TRIGGER = f"""
CREATE TRIGGER {TRIGGER} AFTER INSERT ON consent
BEGIN
  INSERT INTO consent_current ({COLUMNS})
  SELECT NEW.store_id, NEW.patient_id, NEW.channel, purpose.name, NEW.granted, NEW.source,
         NEW.recorded_at, NEW.id
  FROM (SELECT NEW.purpose AS name UNION ALL SELECT 'any') AS purpose
  WHERE true
  {KEEP_NEWEST};
END
"""

# On PostgreSQL once per statement: a bulk INSERT or COPY of many rows is one upsert of the
# newest row per key among them (an upsert may not touch the same row twice).
POSTGRES_FUNCTION = f"""
CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO consent_current ({COLUMNS})
  SELECT DISTINCT ON (patient_id, channel, purpose) {COLUMNS}
  FROM (
    SELECT store_id, patient_id, channel, purpose, granted, source, recorded_at, id AS ledger_id
    FROM written
    UNION ALL
    SELECT store_id, patient_id, channel, 'any', granted, source, recorded_at, id
    FROM written
  ) AS candidate
  ORDER BY patient_id, channel, purpose, recorded_at DESC, ledger_id DESC
  {KEEP_NEWEST};
  RETURN NULL;
END
$$
"""
POSTGRES_TRIGGER = f"""
CREATE TRIGGER {TRIGGER} AFTER INSERT ON consent
REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()
"""

BACKFILL = f"""
INSERT INTO consent_current ({COLUMNS})
SELECT {COLUMNS} FROM (
  SELECT store_id, patient_id, channel, purpose, granted, source, recorded_at, id AS ledger_id,
         row_number() OVER (PARTITION BY patient_id, channel, purpose
                            ORDER BY recorded_at DESC, id DESC) AS newest
  FROM consent
  UNION ALL
  SELECT store_id, patient_id, channel, 'any', granted, source, recorded_at, id,
         row_number() OVER (PARTITION BY patient_id, channel
                            ORDER BY recorded_at DESC, id DESC)
  FROM consent
) AS ranked
WHERE newest = 1
"""


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
