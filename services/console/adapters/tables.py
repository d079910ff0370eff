"""The console's only table: server-side sessions (no business data)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

console_sessions = sa.Table(
    "console_sessions",
    metadata,
    # sha256 of the cookie's value: a leaked table does not yield usable cookies.
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("data", postgresql.JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
