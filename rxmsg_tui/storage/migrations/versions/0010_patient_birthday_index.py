"""patient birthday index: the daily birthdays found by date, not by reading every patient

The birthday rule asks for the patients born on today's month and day in any
year. `ix_patient_store_dob` turns that into one equality lookup per birth
year (`services.daily.greetings`), where before every patient of the store
was read and its date formatted, twice per channel and once more for the
flood guard's count.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_patient_store_dob', 'patient', ['store_id', 'dob'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_patient_store_dob', table_name='patient')
