"""A fault-injecting TCP proxy on 127.0.0.1, between the terminals and the server.

Modes, switchable at run time (a connection keeps the mode it was accepted in, so a switch
never tears a half-done exchange in an unplanned way):

- `pass`: bytes flow both ways untouched;
- `drop`: the connection is closed as soon as it is accepted (the server never hears of it);
- `delay`: every chunk of the request waits `delay_s` before it goes on;
- `reset`: part of the request reaches the server, then both sides get a TCP reset;
- `cut`: the whole request reaches the server and is answered, but the client only gets the
  first `cut_bytes` of the reply before the connection closes (the reply is lost after the
  server committed: the case that makes a re-send a duplicate).

Given several upstream ports it is also a round-robin load balancer: each accepted connection goes
to the next server in turn (one that does not accept is skipped, as a balancer's health check
would), so one terminal's requests reach different server processes.

In any mode the replies can be held (`hold_replies`): the server has answered, the client is
still waiting. A test kills a process at that point, or once a whole request has reached the
server (`wait_for(..., whole=True)`), instead of sleeping and hoping the moment has come.

Threads rather than asyncio so a test can drive it from plain synchronous code.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Literal

Mode = Literal["pass", "drop", "delay", "reset", "cut"]
MODES: tuple[Mode, ...] = ("pass", "drop", "delay", "reset", "cut")


def _hard_close(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0) instead of an orderly FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Exchange:
    """Where one connection's current HTTP request stands: its request line and the body still to come."""

    def __init__(self) -> None:
        self.head = b""
        self.line = ""
        self.body_left: int | None = None  # None while the headers are still arriving

    def feed(self, data: bytes) -> list[str]:
        """Account for forwarded bytes; returns the request lines whose whole body has now gone through."""
        done: list[str] = []
        while data:
            if self.body_left is None:
                self.head += data
                end = self.head.find(b"\r\n\r\n")
                if end < 0:
                    return done
                head, data = self.head[:end], self.head[end + 4 :]
                lines = head.decode("latin-1").split("\r\n")
                self.line, self.head = lines[0], b""
                lengths = [
                    v for k, _, v in (h.partition(":") for h in lines[1:]) if k.strip().lower() == "content-length"
                ]
                self.body_left = int(lengths[0]) if lengths else 0
            take = min(len(data), self.body_left)
            self.body_left -= take
            data = data[take:]
            if self.body_left == 0:
                done.append(self.line)
                self.body_left = None
        return done


class FaultProxy:
    """Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:upstream_port (several: in turn)."""

    def __init__(self, upstream_port: int | Sequence[int], port: int = 0) -> None:
        self.upstream_ports = [upstream_port] if isinstance(upstream_port, int) else list(upstream_port)
        if not self.upstream_ports:
            raise ValueError("the proxy needs at least one upstream port")
        self._turn = 0  # the upstream the next connection tries first
        self.upstreams: Counter[int] = Counter()  # connections forwarded, per upstream port
        self.routed: list[tuple[str, int]] = []  # (request line, upstream port) of forwarded requests, in order
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port: int = self._listener.getsockname()[1]
        self.mode: Mode = "pass"
        self.delay_s = 0.3
        self.cut_bytes = 20
        self.connections: Counter[str] = Counter()  # accepted connections per mode
        self.requests: list[str] = []  # request lines forwarded to the server, in order
        self.whole: list[str] = []  # request lines whose whole body has reached the server, in order
        self.held = 0  # replies waiting at the proxy while replies are held
        self._replies = threading.Event()
        self._replies.set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._socks: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)

    @property
    def upstream_port(self) -> int:
        """The server's port (the first one's, when there are several)."""
        return self.upstream_ports[0]

    def upstream_of(self, prefix: str, nth: int = -1) -> int:
        """The upstream port the nth forwarded request starting with prefix went to (the last by default)."""
        with self._lock:
            return [port for line, port in self.routed if line.startswith(prefix)][nth]

    @property
    def url(self) -> str:
        """The address terminals are given instead of the server's."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        """Start accepting."""
        self._thread.start()
        return self

    def set_mode(self, mode: Mode, *, delay_s: float | None = None, cut_bytes: int | None = None) -> None:
        """Switch the mode for connections accepted from now on."""
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r}")
        with self._lock:
            self.mode = mode
            if delay_s is not None:
                self.delay_s = delay_s
            if cut_bytes is not None:
                self.cut_bytes = cut_bytes

    def count(self, prefix: str, *, whole: bool = False) -> int:
        """How many forwarded requests start with prefix (say `POST /v1/sync/push`); with whole, only
        those whose body went through too (a reset cuts a request after its first line)."""
        with self._lock:
            return sum(1 for r in (self.whole if whole else self.requests) if r.startswith(prefix))

    def wait_for(self, prefix: str, n: int, timeout: float, *, whole: bool = False) -> bool:
        """Wait until `count(prefix, whole=whole)` reaches n."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count(prefix, whole=whole) >= n:
                return True
            time.sleep(0.005)
        return False

    def hold_replies(self) -> None:
        """From now on the server's replies wait at the proxy: the clients stay inside their requests."""
        self._replies.clear()

    def release_replies(self) -> None:
        """Let held and later replies through."""
        self._replies.set()

    def wait_held(self, n: int, timeout: float) -> bool:
        """Wait until n replies are being held (the server has answered, the clients still wait)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.held >= n:
                    return True
            time.sleep(0.005)
        return False

    def stop(self) -> None:
        """Stop accepting and cut every open connection."""
        self._stopped.set()
        self._replies.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            _hard_close(sock)
        self._thread.join(timeout=5)

    # ------------------------------------------------------------------ internals

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                mode, delay_s, cut_bytes = self.mode, self.delay_s, self.cut_bytes
                self.connections[mode] += 1
            threading.Thread(
                target=self._serve, args=(client, mode, delay_s, cut_bytes), name=f"proxy-{mode}", daemon=True
            ).start()

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            (self._socks.add if add else self._socks.discard)(sock)

    def _serve(self, client: socket.socket, mode: Mode, delay_s: float, cut_bytes: int) -> None:
        if mode == "drop":
            client.close()
            return
        self._track(client, True)
        upstream = self._connect()
        if upstream is None:
            _hard_close(client)  # every server is down: the terminal sees a reset, as from a dead host
            self._track(client, False)
            return
        port = int(upstream.getpeername()[1])
        upstream.settimeout(None)
        self._track(upstream, True)
        try:
            if mode == "reset":
                first = client.recv(65536)
                if first:
                    self._note(first, port)
                    upstream.sendall(first[: max(1, len(first) // 2)])
                    time.sleep(0.05)  # let the half request arrive before the reset
                return
            back = threading.Thread(
                target=self._pump_back, args=(upstream, client, mode, cut_bytes), name="proxy-back", daemon=True
            )
            back.start()
            self._pump_forward(client, upstream, mode, delay_s, port)
            back.join()
        finally:
            _hard_close(client)
            _hard_close(upstream)
            self._track(client, False)
            self._track(upstream, False)

    def _connect(self) -> socket.socket | None:
        """A connection to the next upstream in turn that accepts one (None when none does)."""
        with self._lock:
            first = self._turn
            self._turn = (self._turn + 1) % len(self.upstream_ports)
        for i in range(len(self.upstream_ports)):
            port = self.upstream_ports[(first + i) % len(self.upstream_ports)]
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            except OSError:
                continue
            with self._lock:
                self.upstreams[port] += 1
            return sock
        return None

    def _note(self, chunk: bytes, port: int) -> None:
        line = chunk.split(b"\r\n", 1)[0]
        if line[:4] in (b"GET ", b"POST", b"PUT ", b"DELE", b"PATC", b"HEAD"):
            with self._lock:
                self.requests.append(line.decode("latin-1"))
                self.routed.append((line.decode("latin-1"), port))

    def _pump_forward(self, src: socket.socket, dst: socket.socket, mode: Mode, delay_s: float, port: int) -> None:
        exchange = _Exchange()
        while True:
            try:
                chunk = src.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            if mode == "delay":
                time.sleep(delay_s)
            self._note(chunk, port)
            try:
                dst.sendall(chunk)
            except OSError:
                break
            done = exchange.feed(chunk)
            if done:
                with self._lock:
                    self.whole += done
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def _pump_back(self, src: socket.socket, dst: socket.socket, mode: Mode, cut_bytes: int) -> None:
        while True:
            try:
                chunk = src.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            if not self._replies.is_set():
                with self._lock:
                    self.held += 1
                self._replies.wait()
                with self._lock:
                    self.held -= 1
            try:
                if mode == "cut":
                    # The server has answered, so it has done the work; the client gets a stub.
                    dst.sendall(chunk[:cut_bytes])
                    break
                dst.sendall(chunk)
            except OSError:
                break
        # shutdown, not close: a close from this thread would not wake the forward pump blocked in
        # recv on the same socket, and the client would wait for its timeout instead of seeing the cut.
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_RDWR if mode == "cut" else socket.SHUT_WR)
        with contextlib.suppress(OSError):
            src.shutdown(socket.SHUT_RDWR)
