"""the Slack event a question came with (a redelivered event is recorded once), and why
an answer got a 👎

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("event_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("feedback_reason", sa.String(20), nullable=True))
        batch.add_column(sa.Column("feedback_note", sa.Text(), nullable=True))
    op.create_index("ix_questions_event_id", "questions", ["event_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_questions_event_id", "questions")
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("feedback_note")
        batch.drop_column("feedback_reason")
        batch.drop_column("event_id")
