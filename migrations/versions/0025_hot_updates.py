"""Room on the call and case tables' pages for HOT updates (fillfactor 70 and 80)

Every IVR webhook updates its call leg (status, last heard, the queue's position; no indexed column), and many
update the case. With the pages packed full (PostgreSQL's default fillfactor 100) a new row version rarely fits on
its page, so nearly every update moved the row and added an entry to each of the table's indexes (a benchmark run:
19 of 2,040 updates of call were HOT). Pages left part empty keep such updates on the page, with no index entries.
A storage parameter only: pages written from now on keep the room; no row is rewritten.

Revision ID: hot_updates
Revises: acd_offers
Create Date: 2026-12-07 10:00:00
"""
from alembic import op

revision = "hot_updates"
down_revision = "hospital_matches"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE call SET (fillfactor = 70)")
    op.execute('ALTER TABLE "case" SET (fillfactor = 80)')


def downgrade():
    op.execute("ALTER TABLE call RESET (fillfactor)")
    op.execute('ALTER TABLE "case" RESET (fillfactor)')
