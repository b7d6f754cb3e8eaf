"""Drive2: a self-hosted AI file drive."""

__version__ = "0.1.0"
