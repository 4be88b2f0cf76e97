"""question topic and vector, for themes

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("topic", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("vector", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("vector")
        batch.drop_column("topic")
