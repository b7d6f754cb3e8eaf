"""One small Protocol per external system; adapters implement them, bootstrap picks one."""
