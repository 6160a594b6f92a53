"""Indexes for a registry of 20 million: the folded name the duplicate search blocks on, a ward's residents by
date of birth and by household

patient.name_fold holds the name with its romanised spellings folded (crm.residents.enrollment.matching.fold_name):
the duplicate search at enrolment looks it up with the birth year (ix_patient_name_fold_birth_year, which includes
the columns the search scores, so its block is read from the index alone) instead of reading a block of a ward. ix_patient_ward_dob serves the same-ward block, ix_patient_ward_household the field
worklist (a ward's residents in household order, read from the index alone, no sort). Existing rows get their fold
here, each distinct name folded once.

Revision ID: registry_scale
Revises: duplicate_pairs
Create Date: 2026-12-07 12:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "registry_scale"
down_revision = "duplicate_pairs"
branch_labels = None
depends_on = None


def upgrade():
    from crm.residents.enrollment.matching import fold_name

    with op.batch_alter_table("patient") as batch_op:
        batch_op.add_column(sa.Column("name_fold", sa.String(length=200), nullable=True))
    bind = op.get_bind()
    names = [row[0] for row in bind.execute(sa.text("SELECT DISTINCT name FROM patient"))]
    folds = [{"name": n, "fold": fold_name(n)} for n in names]
    if bind.dialect.name == "postgresql":  # one join, not a pass over patient per name
        bind.execute(sa.text("CREATE TEMP TABLE name_folds (name varchar(200) PRIMARY KEY, fold varchar(200)) "
                             "ON COMMIT DROP"))
        for start in range(0, len(folds), 5000):
            bind.execute(sa.text("INSERT INTO name_folds VALUES (:name, :fold)"), folds[start:start + 5000])
        bind.execute(sa.text("UPDATE patient AS p SET name_fold = f.fold FROM name_folds AS f WHERE f.name = p.name"))
    else:
        update = sa.text("UPDATE patient SET name_fold = :fold WHERE name = :name")
        for start in range(0, len(folds), 1000):
            bind.execute(update, folds[start:start + 1000])
    with op.batch_alter_table("patient") as batch_op:
        batch_op.create_index("ix_patient_name_fold_birth_year", ["name_fold", "birth_year"], unique=False,
                              postgresql_include=["name", "dob", "sex", "mobile", "ward", "merged_into_id"])
        batch_op.create_index("ix_patient_ward_dob", ["ward", "dob"], unique=False)
        batch_op.create_index("ix_patient_ward_household", ["ward", "household_id", "id"], unique=False,
                              postgresql_include=["merged_into_id"])


def downgrade():
    with op.batch_alter_table("patient") as batch_op:
        batch_op.drop_index("ix_patient_ward_household")
        batch_op.drop_index("ix_patient_ward_dob")
        batch_op.drop_index("ix_patient_name_fold_birth_year")
        batch_op.drop_column("name_fold")
