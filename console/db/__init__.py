"""Engine and session factory for SQLite and PostgreSQL, one code path; migrations; write transactions."""

from .engine import Database, is_postgres, is_sqlite, make_engine
from .migrate import current_revision, head_revision, upgrade_to_head
from .parity import install as _install_parity_check
from .tx import RETRYABLE, Tx, write_transaction, write_tx

_install_parity_check()

__all__ = [
    "RETRYABLE",
    "Tx",
    "Database",
    "current_revision",
    "head_revision",
    "is_postgres",
    "is_sqlite",
    "make_engine",
    "upgrade_to_head",
    "write_transaction",
    "write_tx",
]
