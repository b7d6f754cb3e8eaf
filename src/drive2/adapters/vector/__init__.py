"""Vector indexes: embedded (SQLite + numpy, in the data dir) and Qdrant (server)."""
