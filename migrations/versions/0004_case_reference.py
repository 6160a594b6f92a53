"""case reference derived from the id instead of stored

Revision ID: 0004_case_reference
Revises: 0003_workspaces
Create Date: 2026-11-25 19:00:00

The reference (SMP-00042) is the id formatted; storing it cost an UPDATE right after every INSERT on
the webhook's hot path.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_case_reference'
down_revision = '0003_workspaces'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_constraint('uq_case_reference', type_='unique')
        batch_op.drop_column('reference')


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint('uq_case_reference', ['reference'])
    padded = ("lpad(CAST(id AS TEXT), 5, '0')" if op.get_bind().dialect.name == "postgresql"
              else "substr('00000' || id, -5, 5)")
    op.execute(f"UPDATE \"case\" SET reference = 'SMP-' || "
               f"CASE WHEN id < 100000 THEN {padded} ELSE CAST(id AS TEXT) END")
