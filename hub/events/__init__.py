"""Events on the wire: models, topics and the Avro codec."""
