"""Logging, configured in this one module.

Every line says who is speaking: ``service`` and ``connector`` are bound on the logger
(``-`` for the daemon itself). Standard-library loggers (pykka, waitress, urllib3,
confluent-kafka) are routed into loguru so that nothing disappears, notably pykka's
reports of actors that died.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from loguru import logger

__all__ = ["configure_logging"]

TEXT_FORMAT = (
    "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <7} | {extra[service]} | {extra[connector]} | {message}"
)


class _InterceptHandler(logging.Handler):
    """Sends standard-library log records to loguru, keeping level and origin."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.bind(service=record.name, connector="-").opt(exception=record.exc_info).log(level, record.getMessage())


def configure_logging(level: str = "INFO", fmt: str = "text", sink: TextIO | Any = None) -> None:
    """Send the daemon's logs to ``sink`` (stderr) as text lines or JSON objects (``fmt="json"``)."""
    logger.remove()
    logger.configure(extra={"service": "daemon", "connector": "-"})
    target = sink if sink is not None else sys.stderr
    if fmt == "json":
        logger.add(target, level=level, serialize=True, backtrace=False, diagnose=False)
    else:
        logger.add(target, level=level, format=TEXT_FORMAT, backtrace=False, diagnose=False)
    logging.basicConfig(handlers=[_InterceptHandler()], level=logging.INFO, force=True)
    for noisy in ("urllib3", "waitress.queue"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A full shared pool just means a burst used an extra, short-lived connection.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
