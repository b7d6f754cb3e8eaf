"""Implementations of the ports. Only bootstrap.py imports from here."""
