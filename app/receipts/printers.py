"""Where receipts go: a folder of PDFs, a network ESC/POS printer, or a USB ESC/POS printer.

Every printer reports any failure as PrintError with a message a cashier can act
on, so the sale flow needs exactly one except clause.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

from app.core import private
from app.core.refusals import RefusalError, os_params

from .escpos import Width, render_escpos
from .model import Receipt
from .pdf import PAPERS, Paper, render_pdf

__all__ = [
    "EscposNetworkPrinter",
    "EscposUsbPrinter",
    "PdfFolderPrinter",
    "PrintError",
    "PrinterSettingError",
    "ReceiptPrinter",
]


class PrintError(RefusalError):
    """Printing failed; a refusal code (app.core.refusals) and str(error) say what to check."""


class PrinterSettingError(RefusalError, ValueError):
    """A printer setting that names no printer ("escpos-net:" without a host, say); a ValueError too."""


@runtime_checkable
class ReceiptPrinter(Protocol):
    """Anything that can put a receipt on paper (or into a file)."""

    @property
    def name(self) -> str:
        """Human-readable printer name for settings and error messages."""
        ...

    def print_receipt(self, receipt: Receipt) -> None:
        """Print the receipt or raise PrintError."""
        ...


def _check_width(width: int) -> Width:
    if width == 48:
        return 48
    if width == 32:
        return 32
    raise ValueError(f"width must be 48 (80 mm paper) or 32 (58 mm paper), got {width!r}")


class PdfFolderPrinter:
    """Saves each receipt as <kind>-<number>-<YYYYmmdd-HHMMSS>.pdf in a folder, atomically."""

    def __init__(self, folder: str | os.PathLike[str], paper: Paper = "80mm") -> None:
        """Remember the folder; it is created on first print if missing."""
        if paper not in PAPERS:
            raise ValueError(f"unknown paper {paper!r}; expected one of {', '.join(PAPERS)}")
        self.folder = Path(folder)
        self.paper: Paper = paper

    @property
    def name(self) -> str:
        """E.g. "PDF (80mm): /home/shop/receipts"."""
        return f"PDF ({self.paper}): {self.folder}"

    def filename(self, receipt: Receipt) -> str:
        """File name for a receipt; the sale time makes a reprint replace, not duplicate, it."""
        return f"{receipt.kind}-{receipt.number}-{receipt.at.strftime('%Y%m%d-%H%M%S')}.pdf"

    def print_receipt(self, receipt: Receipt) -> None:
        """Render and write the PDF via a temp file and os.replace; never leaves a partial file."""
        data = render_pdf(receipt, self.paper)
        target = self.folder / self.filename(receipt)
        tmp: str | None = None
        try:
            private.private_folder(self.folder, existing=False)  # mkstemp below makes the file 0600
            # Same directory as the target so os.replace is a rename, atomic on one filesystem;
            # the dot prefix keeps half-written files out of a file manager's view.
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".pdf.tmp", dir=self.folder)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                # A full disk often only shows up here; better now than as a truncated PDF later.
                os.fsync(f.fileno())
            os.replace(tmp, target)
            tmp = None
        except OSError as e:
            raise PrintError("print_pdf_folder", path=str(self.folder), **os_params(e)) from e
        finally:
            if tmp is not None:
                # Nothing more to do if even this fails; the original error is what matters.
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


class EscposNetworkPrinter:
    """An ESC/POS printer on the LAN taking raw jobs on TCP port 9100 ("JetDirect")."""

    def __init__(self, host: str, port: int = 9100, width: int = 48, timeout: float = 5.0) -> None:
        """Remember the address; nothing is sent until print_receipt."""
        self.host = host
        self.port = port
        self.width: Width = _check_width(width)
        self.timeout = timeout

    @property
    def name(self) -> str:
        """E.g. "ESC/POS 192.168.1.50:9100"."""
        return f"ESC/POS {self.host}:{self.port}"

    def print_receipt(self, receipt: Receipt) -> None:
        """Connect, send the whole job, close; a silent or absent printer is a PrintError."""
        data = render_escpos(receipt, self.width)
        where = f"{self.host}:{self.port}"
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as s:
                s.sendall(data)
                # Half-close so the printer sees end-of-job before we drop the connection.
                s.shutdown(socket.SHUT_WR)
        except TimeoutError as e:
            raise PrintError("print_timeout", where=where, seconds=f"{self.timeout:g}") from e
        except ConnectionRefusedError as e:
            raise PrintError("print_refused", where=where) from e
        except OSError as e:
            raise PrintError("print_failed", where=where, **os_params(e)) from e


class EscposUsbPrinter:
    """An ESC/POS printer on USB, opened through python-escpos (needs pyusb and libusb)."""

    def __init__(self, vendor_id: int, product_id: int, width: int = 48, timeout: float = 5.0) -> None:
        """Remember the USB ids (e.g. 0x0416, 0x5011); the device is opened per print."""
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.width: Width = _check_width(width)
        self.timeout = timeout

    @property
    def name(self) -> str:
        """E.g. "ESC/POS USB 0416:5011"."""
        return f"ESC/POS USB {self.vendor_id:04x}:{self.product_id:04x}"

    def print_receipt(self, receipt: Receipt) -> None:
        """Open the device, send the job, close it; a missing device is a PrintError."""
        data = render_escpos(receipt, self.width)
        from escpos.printer import Usb  # imported late: pulls in pyusb, not needed otherwise

        if not Usb.is_usable():
            raise PrintError("print_no_usb", name=self.name)
        printer = None
        try:
            # python-escpos defaults to no USB timeout: a jammed printer would hang the till.
            printer = Usb(self.vendor_id, self.product_id, timeout=int(self.timeout * 1000))
            printer.open()
            printer._raw(data)  # the job is already complete ESC/POS; send it verbatim
        except Exception as e:
            # python-escpos raises its own exceptions, pyusb's USBError and
            # NoBackendError, or plain ValueError; all mean "not printed".
            raise PrintError("print_not_ready", name=self.name, detail=str(e)) from e
        finally:
            if printer is not None:
                # Closing a device that never opened can fail too; the print error matters.
                with contextlib.suppress(Exception):
                    printer.close()
