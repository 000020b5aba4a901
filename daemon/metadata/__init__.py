"""The metadata access client: what connectors use to talk to the metadata access point.

``MetadataClient`` speaks Egeria 6's open metadata store API over HTTP (``requests`` is
imported here and nowhere else in the daemon) and translates every failure into
``daemon.errors``. A client is used by one connector thread; many clients may share one
``pooled_session()``.
"""

from daemon.metadata._transport import pooled_session
from daemon.metadata.client import Condition, MetadataClient
from daemon.metadata.event_log import EventLogReader

__all__ = ["Condition", "EventLogReader", "MetadataClient", "pooled_session"]
