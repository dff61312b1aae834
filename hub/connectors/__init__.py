"""Connectors shipped with the hub; each registers under the ``hub.connectors`` entry points."""
