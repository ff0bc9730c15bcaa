"""cell search indexes: a cell found by its start or by its last digits without reading the table

Staff look a patient up by the cell as they read it: "(312) 555" or ten
digits is the start of the number, a range of `ix_patient_store_cell`;
"555-0101" or "0101" is its end, an equality on the last four characters,
`ix_patient_store_cell_last4`, which also holds the cell for the longer
suffix to be checked without reading the table. The last four are spelled
per database (SQLite `substr(x, -4)`, PostgreSQL `right(x, 4)`), as the
model's `last_four` renders them, so the planner matches the query to the
index.

SQLite cannot reflect an index on an expression: a later migration that has
batch mode rebuild `patient` on SQLite must create this one again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LAST_FOUR = {'sqlite': 'substr(cell_phone, -4)', 'postgresql': 'right(cell_phone, 4)'}


def upgrade() -> None:
    op.create_index('ix_patient_store_cell', 'patient', ['store_id', 'cell_phone'], unique=False)
    last_four = LAST_FOUR[op.get_bind().dialect.name]
    op.create_index(
        'ix_patient_store_cell_last4',
        'patient',
        ['store_id', sa.text(last_four), 'cell_phone'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_patient_store_cell_last4', table_name='patient')
    op.drop_index('ix_patient_store_cell', table_name='patient')
