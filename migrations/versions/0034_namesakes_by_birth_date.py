"""The duplicate search's namesakes by date of birth: ix_patient_name_fold_birth_dob replaces
ix_patient_name_fold_birth_year

The enrolment desk's duplicate search (crm.residents.enrollment.matching) reads a folded name's namesakes born the
same year nearest the date of birth first, on each side, and stops at its limit: with the date in the index's key
(it was an included column) that is a range read of a few dozen entries however many namesakes the year holds
(thousands at 20 million residents), and with the id among the included columns (the old index lacked it) from
the index alone, not from rows all over the table. The key's first two columns are the old index's, so nothing
that used it loses.
On PostgreSQL both are built and dropped CONCURRENTLY (outside the migration's transaction): a live registry keeps
taking enrolments while the index is built.

Revision ID: namesakes_by_birth_date
Revises: audit_patient_ids
Create Date: 2026-12-07 21:30:00
"""
from alembic import op

revision = "namesakes_by_birth_date"
down_revision = "audit_patient_ids"
branch_labels = None
depends_on = None

NEW = ("ix_patient_name_fold_birth_dob", ["name_fold", "birth_year", "dob"], ["id", "name", "sex", "mobile", "ward",
                                                                             "merged_into_id"])
OLD = ("ix_patient_name_fold_birth_year", ["name_fold", "birth_year"], ["name", "dob", "sex", "mobile", "ward",
                                                                      "merged_into_id"])


def _swap(build, drop) -> None:
    name, columns, include = build
    with op.get_context().autocommit_block():  # an index left invalid by an interrupted build is built again
        op.drop_index(name, table_name="patient", postgresql_concurrently=True, if_exists=True)
        op.create_index(name, "patient", columns, postgresql_include=include, postgresql_concurrently=True)
        op.drop_index(drop[0], table_name="patient", postgresql_concurrently=True, if_exists=True)


def upgrade():
    _swap(NEW, OLD)


def downgrade():
    _swap(OLD, NEW)
