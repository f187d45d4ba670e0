"""Persistence: SQLAlchemy models, engines and sessions, schema migrations."""
