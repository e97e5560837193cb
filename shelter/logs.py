"""Structured logs: one JSON object per line, with the request id, and nothing personal.

What never reaches a log: tokens (the Authorization header is never logged), pass codes
and anything else in a URL (requests are logged by their route template, such as
``/api/v1/passes/{pass_code}.png``, never by the path a client sent), and request bodies.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
import threading
from logging.handlers import QueueHandler
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s"
RENAMED = {
    "asctime": "time",
    "levelname": "level",
    "name": "logger",
    "correlation_id": "request_id",
}


class _Handoff(QueueHandler):
    """Hands a record to the writer thread as it is: the request id was already attached
    (the filter runs here, in the request's context); formatting and the write to stderr
    happen in the thread, so the event loop never waits on a slow pipe or disk."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


class _Writer(threading.Thread):
    """Writes the queued records every ``period`` seconds, all at once.

    Not a ``QueueListener``: that one wakes for every record, and each wake-up is a switch
    of the interpreter lock away from the event loop or the writer thread; at thousands of
    requests a second the switches cost more than the lines. Waking a few times a second
    and draining the queue costs one switch per batch, and the batch goes out in one write
    (a ``StreamHandler`` writes and flushes each line: a system call per request).
    """

    def __init__(
        self,
        records: queue.SimpleQueue[logging.LogRecord],
        handler: logging.StreamHandler[TextIO],
        period: float = 0.1,
    ) -> None:
        super().__init__(name="shelter-log-writer", daemon=True)
        self.records, self.handler, self.period = records, handler, period
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.period):
            self.drain()
        self.drain()

    def drain(self) -> None:
        lines: list[str] = []
        last: logging.LogRecord | None = None
        while True:
            try:
                last = self.records.get_nowait()
            except queue.Empty:
                break
            try:
                lines.append(self.handler.format(last) + self.handler.terminator)
            except Exception:  # as logging does: say so on stderr, lose only this line
                self.handler.handleError(last)
        if lines and last is not None:
            try:
                self.handler.stream.write("".join(lines))
                self.handler.flush()
            except Exception:  # a closed or broken stream: said once, as logging would
                self.handler.handleError(last)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


def queued_stderr() -> logging.Handler:
    """A handler that queues records for a thread writing JSON lines to stderr.

    Built by dictConfig in each worker process (uvicorn configures logging there), so each
    process has its own thread; anything still queued is written at exit.
    """
    # What a record would gather and no line of ours shows (the lines name no file, line,
    # thread or process): the logging HOWTO's "Optimization" switches, for a record made
    # on the event loop for every request.
    logging._srcfile = None  # no stack walk to find the caller
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    stream: logging.StreamHandler[TextIO] = logging.StreamHandler(sys.stderr)
    stream.setFormatter(JsonFormatter(FORMAT, rename_fields=RENAMED))
    writer = _Writer(records, stream)
    writer.start()
    atexit.register(writer.stop)
    return _Handoff(records)


def uvicorn_config(level: str) -> dict[str, Any]:
    """The logging dictConfig for `shelter serve` (uvicorn's own access log is off; the
    service's is written by ``edge.py``)."""
    handler = {"()": "shelter.logs.queued_stderr", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {
                "()": "asgi_correlation_id.CorrelationIdFilter",
                "default_value": None,
            }
        },
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }
