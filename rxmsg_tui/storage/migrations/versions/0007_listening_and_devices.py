"""listening and devices: inbound replies and their cursor, keyword replies, sigpad wording, filter indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import rxmsg_tui.storage.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Patient Listing and step 1 of the group send: ZIP prefix and last-fill range as index ranges.
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.create_index('ix_patient_store_zip', ['store_id', 'zip', 'id'], unique=False)
    with op.batch_alter_table('prescription', schema=None) as batch_op:
        batch_op.create_index(
            'ix_rx_store_last_fill', ['store_id', 'last_fill_date', 'patient_id'], unique=False
        )
    # Inbound polling and two-way chat.
    with op.batch_alter_table('outbound_setup', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('inbound_poll_seconds', sa.Integer(), nullable=False, server_default='15')
        )
        batch_op.add_column(
            sa.Column('max_per_second', sa.Float(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('keyword_reply', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('conversation_message', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('provider', sa.String(length=32), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('keyword', sa.String(length=16), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('needs_staff', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index('ix_conversation_store_at', ['store_id', 'at'], unique=False)
    op.create_table('inbound_cursor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('high_water', rxmsg_tui.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', rxmsg_tui.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('store_id', 'provider', name='uq_inbound_cursor')
    )
    with op.batch_alter_table('inbound_cursor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_cursor_store_id'), ['store_id'], unique=False)
    # The signature pad's opt-in wording.
    op.create_table('consent_wording',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('created_at', rxmsg_tui.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('store_id', 'purpose', 'language', 'version', name='uq_consent_wording')
    )
    with op.batch_alter_table('consent_wording', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_wording_store_id'), ['store_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consent_wording', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_wording_store_id'))
    op.drop_table('consent_wording')
    with op.batch_alter_table('inbound_cursor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_cursor_store_id'))
    op.drop_table('inbound_cursor')
    with op.batch_alter_table('conversation_message', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_store_at')
        batch_op.drop_column('needs_staff')
        batch_op.drop_column('keyword')
        batch_op.drop_column('provider')
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_column('keyword_reply')
    with op.batch_alter_table('outbound_setup', schema=None) as batch_op:
        batch_op.drop_column('max_per_second')
        batch_op.drop_column('inbound_poll_seconds')
    with op.batch_alter_table('prescription', schema=None) as batch_op:
        batch_op.drop_index('ix_rx_store_last_fill')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_store_zip')
