"""Loyalty Terminal: an offline-first point-of-sale loyalty terminal."""

__version__ = "0.1.0"
