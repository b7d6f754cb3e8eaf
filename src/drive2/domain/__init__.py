"""Plain data and errors: no I/O here."""
