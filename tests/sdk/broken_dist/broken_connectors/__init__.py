"""A package whose entry points are broken on purpose (see pyproject.toml)."""


class NotAConnector:
    """Declared as a connector, but does not subclass daemon.Connector."""
