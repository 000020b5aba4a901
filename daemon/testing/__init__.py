"""A test kit for connector authors: run a connector's hooks without the daemon.

``ConnectorHarness`` builds your connector exactly as the daemon does (class loading,
``config_class`` structuring, a ``ConnectorContext``) against a real bundled metadata
server in a temporary directory, and calls its hooks synchronously **on your test's
thread**: no actors, no Kafka, no sleeping. Then assert on the catalogue::

    from daemon.testing import ConnectorHarness, make_event

    def test_orders_are_catalogued(tmp_path):
        with ConnectorHarness(InventoryConnector, endpoint=str(tmp_path / "inventory.json")) as h:
            h.start()
            h.refresh()
            h.assert_catalogued("inventory::orders", "DataSet", {"displayName": "orders"})

What is here:

- ``ConnectorHarness``: ``start``, ``refresh``, ``deliver`` (Out Topic events),
  ``deliver_new_events`` (what the server logged since), ``deliver_message``
  (technology messages), ``disconnect``, ``restart``; ``activity`` / ``last_activity``;
  ``steward`` (another user, to arrange data); ``listeners`` and ``subscriptions`` (what
  the connector asked of the event bus), ``published`` (what it sent to the In Topic:
  recorded, not sent); ``logs`` (its log lines); and the ``Catalogue`` reads and
  assertions below.
- ``Catalogue``: ``elements``, ``element``, ``mark``, ``events``, ``assert_catalogued``,
  ``assert_not_catalogued``, ``assert_archived``, ``assert_version``,
  ``assert_not_written_since`` — usable on any bundled metadata server.
- ``make_event`` / ``make_header``: ``OpenMetadataOutTopicEvent`` values;
  ``make_message`` / ``TechnologyMessage``: messages from a technology's own topic.
- ``ManualClock``: the clock the harness gives the context; it moves only on ``advance()``.
"""

from daemon.clock import ManualClock
from daemon.connectors.events import TechnologyMessage
from daemon.testing._catalogue import Catalogue
from daemon.testing._events import make_event, make_header, make_message
from daemon.testing._harness import ConnectorHarness

__all__ = [
    "Catalogue",
    "ConnectorHarness",
    "ManualClock",
    "TechnologyMessage",
    "make_event",
    "make_header",
    "make_message",
]
