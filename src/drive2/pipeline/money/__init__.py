"""Money on receipts, invoices and transfer slips: QR codes read from the file, and the
record settled between an LLM's proposal and the rules (domain/money_rules.py)."""
