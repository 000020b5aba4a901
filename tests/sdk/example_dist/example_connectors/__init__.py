"""Example integration connectors for the integration daemon (see daemon/connectors/TUTORIAL.md)."""
