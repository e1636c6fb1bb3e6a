"""Exports of the manager's reports (app/core/services/reports/): CSV files and an A4 PDF with charts."""
