"""The actors: supervisor, timer, connector hosts and integration services, and the facade non-actor threads use."""
