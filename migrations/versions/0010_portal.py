"""citizens online: portal sign-in codes, card requests, grievances and officers' sections

Revision ID: portal
Revises: admin
Create Date: 2026-11-29 23:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "portal"
down_revision = "admin"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("section", sa.String(length=40), nullable=True))

    op.create_table(
        "portal_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_code")),
    )
    op.create_index("ix_portal_code_mobile_created", "portal_code", ["mobile", "created_at"])
    op.create_index("ix_portal_code_ip_created", "portal_code", ["ip", "created_at"])

    op.create_table(
        "card_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("new_card_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_card_request_patient_id_patient")),
        sa.ForeignKeyConstraint(["card_id"], ["health_card.id"], name=op.f("fk_card_request_card_id_health_card")),
        sa.ForeignKeyConstraint(["new_card_id"], ["health_card.id"],
                                name=op.f("fk_card_request_new_card_id_health_card")),
        sa.ForeignKeyConstraint(["handled_by_id"], ["staff_user.id"],
                                name=op.f("fk_card_request_handled_by_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_request")),
    )
    op.create_index(op.f("ix_card_request_patient_id"), "card_request", ["patient_id"])
    op.create_index(op.f("ix_card_request_status"), "card_request", ["status"])

    op.create_table(
        "grievance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("routed_to", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_grievance_patient_id_patient")),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name=op.f("fk_grievance_facility_id_facility")),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_grievance_case_id_case")),
        sa.ForeignKeyConstraint(["filed_by_id"], ["staff_user.id"], name=op.f("fk_grievance_filed_by_id_staff_user")),
        sa.ForeignKeyConstraint(["officer_id"], ["staff_user.id"], name=op.f("fk_grievance_officer_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grievance")),
    )
    op.create_index(op.f("ix_grievance_phone"), "grievance", ["phone"])
    op.create_index(op.f("ix_grievance_patient_id"), "grievance", ["patient_id"])
    op.create_index(op.f("ix_grievance_routed_to"), "grievance", ["routed_to"])
    op.create_index(op.f("ix_grievance_status"), "grievance", ["status"])
    op.create_index(op.f("ix_grievance_due_at"), "grievance", ["due_at"])


def downgrade():
    op.drop_table("grievance")
    op.drop_table("card_request")
    op.drop_table("portal_code")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("section")
