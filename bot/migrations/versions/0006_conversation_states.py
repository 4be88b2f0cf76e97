"""the state of Slack conversations, for follow-up questions

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_states",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
    )
    op.create_index("ix_conversation_states_updated_at", "conversation_states", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_conversation_states_updated_at", "conversation_states")
    op.drop_table("conversation_states")
