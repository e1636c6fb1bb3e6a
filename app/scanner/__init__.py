"""Barcode and QR scanning without Qt: frame decoding, files and videos, and the camera."""

from app.scanner.decode import FORMATS, Code, decode_gray, ean_check_digit_ok, to_gtin13
from app.scanner.errors import ScanError
from app.scanner.files import scan_file, scan_report
from app.scanner.live import CameraReader, FrameConfirmer

__all__ = [
    "FORMATS",
    "CameraReader",
    "Code",
    "FrameConfirmer",
    "ScanError",
    "decode_gray",
    "ean_check_digit_ok",
    "scan_file",
    "scan_report",
    "to_gtin13",
]
