"""Kafka topic names of the open metadata event bus, as Egeria spells them.

- Out Topic of an access service: ``{root}.server.{server}.omas.{marker}.outTopic``
- In Topic of an access service: ``{root}.server.{server}.omas.{marker}.inTopic``
- dead-letter topic (this project's): ``{root}.server.{server}.deadLetter``

``server`` is the name of the server that owns the topic (the metadata access point for
Out and In Topics, the integration daemon for its dead letters); ``marker`` is the access
service's URL marker with its dashes removed (``data-manager`` -> ``datamanager``).
``root`` is the ``topicURLRoot`` (``egeria.omag`` when empty or ``None``).

Pure functions, no Kafka import: the metadata server and the daemon both use them.
"""

from __future__ import annotations

import re

__all__ = ["DEFAULT_TOPIC_ROOT", "dead_letter_topic", "in_topic", "out_topic"]

DEFAULT_TOPIC_ROOT = "egeria.omag"

_LEGAL = re.compile(r"[A-Za-z0-9._-]+")
_MAX_LENGTH = 249  # Kafka's limit on a topic name


def out_topic(root: str | None, server: str, url_marker: str) -> str:
    """The Out Topic of access service ``url_marker`` on metadata server ``server``."""
    return _checked(f"{_root(root)}.server.{server}.omas.{_marker(url_marker)}.outTopic", server, url_marker)


def in_topic(root: str | None, server: str, url_marker: str) -> str:
    """The In Topic of access service ``url_marker`` on metadata server ``server``."""
    return _checked(f"{_root(root)}.server.{server}.omas.{_marker(url_marker)}.inTopic", server, url_marker)


def dead_letter_topic(root: str | None, daemon_server: str) -> str:
    """The dead-letter topic of server ``daemon_server`` (records it could not handle)."""
    return _checked(f"{_root(root)}.server.{daemon_server}.deadLetter", daemon_server, None)


def _root(root: str | None) -> str:
    return root or DEFAULT_TOPIC_ROOT


def _marker(url_marker: str) -> str:
    return url_marker.replace("-", "")


def _checked(name: str, server: str, url_marker: str | None) -> str:
    """``name`` if Kafka accepts it; otherwise a ``ValueError`` that says which part is at fault."""
    if not server:
        raise ValueError("a topic name needs a server name; got an empty one")
    if url_marker is not None and not _marker(url_marker):
        raise ValueError(f"a topic name needs an access service URL marker; got {url_marker!r}")
    if not _LEGAL.fullmatch(name):
        bad = sorted(set(_LEGAL.sub("", name)))
        raise ValueError(
            f"topic name {name!r} has characters Kafka does not allow ({''.join(bad)!r}); "
            "server names, URL markers and the topic root may use only letters, digits, '.', '_' and '-'"
        )
    if len(name) > _MAX_LENGTH:
        raise ValueError(f"topic name {name!r} is {len(name)} characters long; Kafka allows {_MAX_LENGTH}")
    return name
