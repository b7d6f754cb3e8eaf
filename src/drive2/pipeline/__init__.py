"""Processing: small stages run in order by the runner; registry.py owns the order."""
