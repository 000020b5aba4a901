"""The event bus: Out Topic, In Topic and technology topics, on Kafka or the embedded event log.

confluent-kafka is imported in this package and nowhere else in the daemon (the bundled
metadata server's relay and In Topic consumer aside, and the Kafka topic connector). This
file imports nothing: the metadata server uses ``daemon.topics.names`` alone.
"""
