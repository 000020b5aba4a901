"""Connectors bundled with the daemon, each for one real technology.

They are ordinary connectors: registered under the entry-point group
``integration_daemon.connectors`` and written only against the public SPI.
"""
