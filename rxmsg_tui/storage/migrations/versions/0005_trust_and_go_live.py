"""trust and go-live: test stores, go-live, new patients, single-use unlock codes, flood holds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import rxmsg_tui.storage.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('store', schema=None) as batch_op:
        batch_op.add_column(sa.Column('go_live', sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column('is_test', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('alert_settings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('flood_guard_share', sa.Float(), nullable=False, server_default='0.05')
        )
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('is_new', sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table('unlock_code_use',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.String(length=64), nullable=False),
    sa.Column('used_at', rxmsg_tui.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('expires_at', rxmsg_tui.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_id')
    )
    with op.batch_alter_table('unlock_code_use', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unlock_code_use_store_id'), ['store_id'], unique=False)
    op.create_table('daily_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('alert', sa.String(length=32), nullable=False),
    sa.Column('would_queue', sa.Integer(), nullable=False),
    sa.Column('patient_total', sa.Integer(), nullable=False),
    sa.Column('held_at', rxmsg_tui.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by', sa.String(length=64), nullable=True),
    sa.Column('confirmed_at', rxmsg_tui.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('store_id', 'run_date', 'alert', name='uq_daily_hold_store_day_alert')
    )
    with op.batch_alter_table('daily_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_hold_store_id'), ['store_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('daily_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_hold_store_id'))
    op.drop_table('daily_hold')
    with op.batch_alter_table('unlock_code_use', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unlock_code_use_store_id'))
    op.drop_table('unlock_code_use')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_column('is_new')
    with op.batch_alter_table('alert_settings', schema=None) as batch_op:
        batch_op.drop_column('flood_guard_share')
    with op.batch_alter_table('store', schema=None) as batch_op:
        batch_op.drop_column('is_test')
        batch_op.drop_column('go_live')
