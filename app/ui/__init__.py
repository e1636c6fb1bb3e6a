"""The Qt cashier app (PySide6). Only this package imports Qt."""
