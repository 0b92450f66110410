"""Bounded reading of HTTP requests: deadlines and byte limits for headers and bodies.

The standard library's request handler reads from a socket file with no overall deadline
(a client sending one byte every few seconds holds a connection forever) and trusts
``Content-Length``. :class:`DeadlineReader` replaces that file: each phase of a request
(headers, then body) has a deadline and a byte budget, and :func:`read_body` reads a body
by ``Content-Length`` or ``chunked`` framing within the limit.

>>> parse_content_length(["12"])
12
>>> parse_content_length(["-1"])
Traceback (most recent call last):
...
gutbone.query.http_io.RequestProblem: 400: Content-Length '-1' is not a whole number of bytes
"""

from __future__ import annotations

import re
import socket
import time

__all__ = [
    "RequestProblem",
    "DeadlineReader",
    "parse_content_length",
    "read_body",
    "linger_close",
]

_DIGITS = re.compile(r"[0-9]{1,15}")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,8})[ \t]*(?:;[^\r\n]*)?\r?\n")


class RequestProblem(Exception):
    """A request broke a rule of framing or a limit: answered with ``status``, then closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class DeadlineReader:
    """A read-only file over a socket whose reads stop at a deadline and a byte budget.

    :meth:`begin` starts a phase: reads after ``seconds`` raise
    :class:`RequestProblem` 408 (or :class:`TimeoutError` when nothing at all was read,
    an idle keep-alive connection), and reading more than ``max_bytes`` raises
    ``too_large``.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self._deadline = time.monotonic() + 10.0
        self._budget = 1 << 16
        self._too_large = RequestProblem(431, "request headers too large")
        self._received = 0
        self._eof = False

    def begin(self, seconds: float, max_bytes: int, too_large: RequestProblem) -> None:
        """Start a phase with its own deadline and byte budget."""
        self._deadline = time.monotonic() + seconds
        self._budget = max_bytes
        self._too_large = too_large
        self._received = 0

    def _fill(self) -> bool:
        """Receive more bytes; False at end of input."""
        if self._eof:
            return False
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            self._expired()
        self._sock.settimeout(remaining)
        try:
            data = self._sock.recv(65536)
        except TimeoutError:
            self._expired()
        except OSError:
            data = b""
        if not data:
            self._eof = True
            return False
        self._buffer += data
        return True

    def _expired(self) -> None:
        if self._received == 0 and not self._buffer:
            raise TimeoutError("no request arrived in time")
        raise RequestProblem(408, "the request did not arrive in time")

    def _take(self, count: int) -> bytes:
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        self._received += len(data)
        if self._received > self._budget:
            raise self._too_large
        return data

    def readline(self, limit: int = -1) -> bytes:
        """One line (with its end), at most ``limit`` bytes."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0 and (limit < 0 or end < limit):
                return self._take(end + 1)
            if limit >= 0 and len(self._buffer) >= limit:
                return self._take(limit)
            if self._received + len(self._buffer) > self._budget:
                raise self._too_large
            if not self._fill():
                return self._take(len(self._buffer))

    def read(self, count: int = -1) -> bytes:
        """``count`` bytes (fewer at end of input)."""
        while count < 0 or len(self._buffer) < count:
            if self._received + len(self._buffer) > self._budget:
                raise self._too_large
            if not self._fill():
                break
        return self._take(len(self._buffer) if count < 0 else min(count, len(self._buffer)))

    def close(self) -> None:
        """Nothing to release (the socket belongs to the handler)."""


def parse_content_length(values: list[str]) -> int:
    """The body length from every ``Content-Length`` header, strictly.

    :raises RequestProblem: 400 for a non-numeric, negative or conflicting value.
    """
    if len(set(v.strip() for v in values)) != 1:
        raise RequestProblem(400, "conflicting Content-Length headers")
    text = values[0].strip()
    if not _DIGITS.fullmatch(text):
        raise RequestProblem(400, f"Content-Length {text!r} is not a whole number of bytes")
    return int(text)


def _read_chunked(reader: DeadlineReader, limit: int) -> bytes:
    body = bytearray()
    while True:
        line = reader.readline(1024)
        match = _CHUNK_SIZE.fullmatch(line)
        if match is None:
            raise RequestProblem(400, "malformed chunked body")
        size = int(match.group(1), 16)
        if size == 0:
            while reader.readline(1024) not in (b"\r\n", b"\n", b""):
                pass  # trailer fields, ignored
            return bytes(body)
        if len(body) + size > limit:
            raise RequestProblem(413, f"request body larger than {limit:,} bytes")
        chunk = reader.read(size)
        if len(chunk) < size or reader.readline(3) not in (b"\r\n", b"\n"):
            raise RequestProblem(400, "chunked body shorter than its chunk sizes")
        body += chunk


def read_body(
    reader: DeadlineReader,
    content_length: list[str],
    transfer_encoding: str | None,
    *,
    limit: int,
    seconds: float,
) -> bytes:
    """Read a request body framed by ``Content-Length`` or ``chunked``, within limits.

    :raises RequestProblem: 400 (bad framing, both framings), 411 (no length), 413 (over
        ``limit``), 408 (not received within ``seconds``), 501 (other transfer codings).
    """
    too_large = RequestProblem(413, f"request body larger than {limit:,} bytes")
    reader.begin(seconds, limit + 64 * 1024, too_large)
    if transfer_encoding is not None:
        if content_length:
            raise RequestProblem(400, "both Content-Length and Transfer-Encoding given")
        if transfer_encoding.strip().lower() != "chunked":
            raise RequestProblem(501, f"transfer coding {transfer_encoding!r} not supported")
        return _read_chunked(reader, limit)
    if not content_length:
        raise RequestProblem(411, "a POST needs a Content-Length")
    length = parse_content_length(content_length)
    if length > limit:
        raise too_large
    body = reader.read(length)
    if len(body) < length:
        raise RequestProblem(400, "the body is shorter than its Content-Length")
    return body


def linger_close(sock: socket.socket, seconds: float = 1.0, max_bytes: int = 1 << 20) -> None:
    """Stop sending, then read and drop what the client still sends (bounded).

    An answer sent before its request was read then reaches the client, rather than a
    connection reset.
    """
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        return
    deadline = time.monotonic() + seconds
    dropped = 0
    while dropped < max_bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        try:
            sock.settimeout(remaining)
            data = sock.recv(65536)
        except OSError:
            return
        if not data:
            return
        dropped += len(data)
