"""Celery: the app, its tasks and the embedded SQLite transport."""
