"""Kafka clients of the hub: configuration, producer, admin, readers (one seam to the broker)."""
