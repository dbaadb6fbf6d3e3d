"""A service's database: the connection, the append-only event log and its records,
schema migrations, checkpoints, the inbox, and the column types and upserts that behave
alike on PostgreSQL and SQLite."""
