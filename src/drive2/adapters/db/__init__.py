"""SQLAlchemy persistence that runs on SQLite (embedded) and PostgreSQL (server)."""
