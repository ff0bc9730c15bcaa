"""group send and verification: group_send, outbound_message.group_send_id, who verified

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 15:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

import rxmsg_tui.storage.types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('group_send',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('request_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', rxmsg_tui.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('methods', sa.JSON(), nullable=False),
    sa.Column('email_subject', sa.String(length=200), nullable=False),
    sa.Column('email_body', sa.Text(), nullable=False),
    sa.Column('sms_subject', sa.String(length=200), nullable=False),
    sa.Column('sms_body', sa.Text(), nullable=False),
    sa.Column('selected', sa.Integer(), nullable=False),
    sa.Column('queued', sa.JSON(), nullable=False),
    sa.Column('excluded', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_key')
    )
    with op.batch_alter_table('group_send', schema=None) as batch_op:
        batch_op.create_index('ix_group_send_store_created', ['store_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_send_store_id'), ['store_id'], unique=False)
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_send_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbound_message_group_send_id'), ['group_send_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_outbound_message_group_send', 'group_send', ['group_send_id'], ['id'], ondelete='SET NULL'
        )
    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_by', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.drop_column('verified_by')
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbound_message_group_send', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbound_message_group_send_id'))
        batch_op.drop_column('group_send_id')
    with op.batch_alter_table('group_send', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_send_store_id'))
        batch_op.drop_index('ix_group_send_store_created')
    op.drop_table('group_send')
