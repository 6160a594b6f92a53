"""hospital systems as FHIR clients, their medical history, ABHA addresses

Revision ID: fhir
Revises: field
Create Date: 2026-11-29 23:05:11.755749

"""
import sqlalchemy as sa
from alembic import op

revision = 'fhir'
down_revision = "field"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hospital_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('jwk', sa.JSON(), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_token_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_hospital_client_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_hospital_client_facility_id_facility')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['staff_user.id'], name=op.f('fk_hospital_client_revoked_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital_client')),
    sa.UniqueConstraint('client_id', name=op.f('uq_hospital_client_client_id'))
    )
    op.create_table('client_assertion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('jti', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['hospital_client.id'], name=op.f('fk_client_assertion_client_id_hospital_client')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_assertion')),
    sa.UniqueConstraint('client_id', 'jti', name='uq_client_assertion_jti')
    )
    with op.batch_alter_table('client_assertion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_assertion_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_assertion_expires_at'), ['expires_at'], unique=False)

    op.create_table('hospital_bundle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=300), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['hospital_client.id'], name=op.f('fk_hospital_bundle_client_id_hospital_client')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_hospital_bundle_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital_bundle')),
    sa.UniqueConstraint('client_id', 'identifier', name='uq_hospital_bundle_identifier')
    )
    with op.batch_alter_table('hospital_bundle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hospital_bundle_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hospital_bundle_patient_id'), ['patient_id'], unique=False)

    op.create_table('hospital_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=True),
    sa.Column('resource_type', sa.String(length=40), nullable=False),
    sa.Column('source_key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=True),
    sa.Column('recorded_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resource', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['hospital_bundle.id'], name=op.f('fk_hospital_record_bundle_id_hospital_bundle')),
    sa.ForeignKeyConstraint(['client_id'], ['hospital_client.id'], name=op.f('fk_hospital_record_client_id_hospital_client')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_hospital_record_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital_record')),
    sa.UniqueConstraint('client_id', 'resource_type', 'source_key', name='uq_hospital_record_source')
    )
    with op.batch_alter_table('hospital_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hospital_record_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hospital_record_patient_id'), ['patient_id'], unique=False)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hospital_client_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_hospital_client_id'), ['hospital_client_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_log_hospital_client_id_hospital_client'), 'hospital_client',
                                    ['hospital_client_id'], ['id'])

    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('abha_address', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_patient_abha_address'), ['abha_address'], unique=False)
        batch_op.create_index(batch_op.f('ix_patient_abha_number'), ['abha_number'], unique=False)



def downgrade():
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patient_abha_number'))
        batch_op.drop_index(batch_op.f('ix_patient_abha_address'))
        batch_op.drop_column('abha_address')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_log_hospital_client_id_hospital_client'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_log_hospital_client_id'))
        batch_op.drop_column('hospital_client_id')

    with op.batch_alter_table('hospital_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hospital_record_patient_id'))
        batch_op.drop_index(batch_op.f('ix_hospital_record_client_id'))

    op.drop_table('hospital_record')
    with op.batch_alter_table('hospital_bundle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hospital_bundle_patient_id'))
        batch_op.drop_index(batch_op.f('ix_hospital_bundle_client_id'))

    op.drop_table('hospital_bundle')
    with op.batch_alter_table('client_assertion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_assertion_expires_at'))
        batch_op.drop_index(batch_op.f('ix_client_assertion_client_id'))

    op.drop_table('client_assertion')
    op.drop_table('hospital_client')
