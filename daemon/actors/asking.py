"""The one way non-actor code waits on an actor: an ask with a bound."""

from __future__ import annotations

from typing import Any

import pykka

__all__ = ["ask"]


def ask(actor: pykka.ActorRef, message: object, timeout: float) -> Any:
    """Ask ``actor`` and wait at most ``timeout`` seconds for the answer (pykka.Timeout otherwise)."""
    return actor.ask(message, block=False).get(timeout=timeout)
