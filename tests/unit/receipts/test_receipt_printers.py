"""Printers: PDF folder (atomic writes), raw network ESC/POS, USB ESC/POS."""

from __future__ import annotations

import errno
import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.receipts.escpos import render_escpos
from app.receipts.printers import (
    EscposNetworkPrinter,
    EscposUsbPrinter,
    PdfFolderPrinter,
    PrintError,
    ReceiptPrinter,
)
from app.receipts.samples import sample_refund, sample_sale


def test_all_printers_satisfy_the_protocol(tmp_path: Path) -> None:
    printers = [
        PdfFolderPrinter(tmp_path),
        EscposNetworkPrinter("127.0.0.1"),
        EscposUsbPrinter(0x0416, 0x5011),
    ]
    for printer in printers:
        assert isinstance(printer, ReceiptPrinter)
        assert printer.name


# --- PDF folder -------------------------------------------------------------


def test_pdf_folder_printer_writes_kind_number_timestamp_pdf(tmp_path: Path) -> None:
    PdfFolderPrinter(tmp_path, "58mm").print_receipt(sample_sale())
    (written,) = tmp_path.iterdir()
    assert written.name == "sale-1234-20251125-140300.pdf"
    assert written.read_bytes().startswith(b"%PDF-")


def test_pdf_folder_printer_creates_missing_folder(tmp_path: Path) -> None:
    folder = tmp_path / "receipts" / "2025"
    PdfFolderPrinter(folder).print_receipt(sample_refund())
    assert [p.name for p in folder.iterdir()] == ["refund-57-20251126-104100.pdf"]


def test_pdf_folder_reprint_replaces_instead_of_duplicating(tmp_path: Path) -> None:
    printer = PdfFolderPrinter(tmp_path)
    printer.print_receipt(sample_sale())
    printer.print_receipt(sample_sale())
    assert len(list(tmp_path.iterdir())) == 1


def _refuse_writes_under(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make opening files for writing in folder fail with EROFS, as on a read-only mount."""
    real_open = os.open

    def read_only_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        writing = flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        if writing and Path(path).resolve().is_relative_to(folder.resolve()):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only_open)


def test_pdf_folder_read_only_raises_print_error_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        # Running as root, which ignores permission bits: have the kernel's
        # read-only answer come from a patched os.open instead.
        _refuse_writes_under(folder, monkeypatch)
    try:
        with pytest.raises(PrintError, match="Cannot save receipt PDF"):
            PdfFolderPrinter(folder).print_receipt(sample_sale())
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_pdf_folder_full_disk_raises_print_error_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # ENOSPC surfaces when the data is flushed to disk, after the temp file was written.
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(PrintError, match="No space left on device"):
        PdfFolderPrinter(tmp_path).print_receipt(sample_sale())
    assert list(tmp_path.iterdir()) == []


def test_pdf_folder_failed_rename_keeps_previous_copy_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printer = PdfFolderPrinter(tmp_path)
    printer.print_receipt(sample_sale())
    (first,) = tmp_path.iterdir()
    before = first.read_bytes()

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(PrintError):
        printer.print_receipt(sample_sale())
    assert list(tmp_path.iterdir()) == [first]
    assert first.read_bytes() == before


# --- network ESC/POS ----------------------------------------------------------


class _JobServer:
    """A one-shot TCP server on 127.0.0.1 that stores everything a client sends."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(10)
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(10)
            while chunk := conn.recv(65536):
                self.received += chunk


@pytest.fixture
def job_server() -> Iterator[_JobServer]:
    """A listening socket standing in for a printer's port 9100."""
    server = _JobServer()
    yield server
    server.sock.close()


def test_network_printer_sends_the_escpos_job(job_server: _JobServer) -> None:
    receipt = sample_sale()
    EscposNetworkPrinter("127.0.0.1", job_server.port, width=32).print_receipt(receipt)
    job_server.thread.join(timeout=10)
    assert job_server.received == render_escpos(receipt, 32)


def test_network_printer_closed_port_raises_print_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens there any more.
    with pytest.raises(PrintError, match=re.escape(f"127.0.0.1:{port}")):
        EscposNetworkPrinter("127.0.0.1", port, timeout=2).print_receipt(sample_sale())


@pytest.fixture
def unresponsive_port() -> Iterator[int]:
    """A port whose accept queue is full, so new connections hang like a dead printer's."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(8):
            try:
                fillers.append(socket.create_connection(("127.0.0.1", port), timeout=0.3))
            except TimeoutError:
                break
        else:
            pytest.skip("this OS accepts connections beyond the listen backlog")
        yield port
    finally:
        for s in fillers:
            s.close()
        server.close()


def test_network_printer_timeout_raises_print_error(unresponsive_port: int) -> None:
    printer = EscposNetworkPrinter("127.0.0.1", unresponsive_port, timeout=0.3)
    with pytest.raises(PrintError, match=r"did not respond within 0\.3 s"):
        printer.print_receipt(sample_sale())


def test_network_printer_rejects_unknown_width() -> None:
    with pytest.raises(ValueError, match="48"):
        EscposNetworkPrinter("127.0.0.1", width=40)


# --- USB ESC/POS ------------------------------------------------------------------


def test_usb_printer_missing_device_raises_print_error() -> None:
    # No such vendor/product exists; without pyusb the error says so instead.
    with pytest.raises(PrintError, match="ESC/POS USB ffff:fffe"):
        EscposUsbPrinter(0xFFFF, 0xFFFE).print_receipt(sample_sale())
