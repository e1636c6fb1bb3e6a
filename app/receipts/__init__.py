"""Receipts: the data model, PDF and ESC/POS rendering, and printers (no Qt here)."""
