"""What every stage agent of a process is given: settings, configuration and shared clients."""

from __future__ import annotations

from dataclasses import dataclass

from hub.config import HubConfig
from hub.events.codec import EventCodec
from hub.events.topics import Topics
from hub.kafka.config import KafkaConnection
from hub.kafka.progress import ProgressMonitor
from hub.metrics import HubMetrics
from hub.settings import HubSettings
from hub.storage.blobs import BlobStore


@dataclass
class StageContext:
    """Collaborators shared by the agents of one process."""

    settings: HubSettings
    config: HubConfig
    topics: Topics
    codec: EventCodec
    blobs: BlobStore
    metrics: HubMetrics
    progress: ProgressMonitor

    @property
    def kafka(self) -> KafkaConnection:
        """How this process reaches the broker."""
        return KafkaConnection.from_settings(self.settings)

    def service_label(self, service: str) -> str:
        """``service`` as a metric label: a service the configuration names, else ``other``."""
        return service if service in self.config.services else "other"
