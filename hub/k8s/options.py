"""What a rendering depends on besides the tenant configuration: cluster names and sizes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hub import __version__

#: the part-of label, image name and name prefix of everything rendered
PART_OF = "ikz-hub"
#: label keys of the hub's own (not ``app.kubernetes.io``) labels
LABEL_TENANT = "ikz-hub/tenant"
LABEL_CONNECTOR = "ikz-hub/connector"


class RenderError(Exception):
    """The configuration cannot be turned into manifests (names clash, names too long ...)."""


@dataclass(frozen=True)
class Resources:
    """Requests and limits of one container."""

    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str

    def manifest(self) -> dict[str, dict[str, str]]:
        """The container's ``resources``."""
        return {
            "requests": {"cpu": self.cpu_request, "memory": self.memory_request},
            "limits": {"cpu": self.cpu_limit, "memory": self.memory_limit},
        }


#: sized from the benchmark's single-process numbers: a stage role holds one faust app and its
#: in-memory table; intake buffers request bodies of up to 25 MB (HUB_MAX_BODY_BYTES)
DEFAULT_RESOURCES: Mapping[str, Resources] = {
    "intake": Resources("100m", "256Mi", "1", "768Mi"),
    "router": Resources("100m", "256Mi", "1", "512Mi"),
    "connector": Resources("50m", "256Mi", "500m", "512Mi"),
    "tracker": Resources("100m", "384Mi", "1", "1Gi"),
    "notifier": Resources("50m", "192Mi", "500m", "384Mi"),
}


@dataclass(frozen=True)
class RenderOptions:
    """Names and sizes of one installation; the defaults are those of ``deploy/k8s/base``."""

    namespace: str = "ikz-hub"
    image: str = f"{PART_OF}:{__version__}"
    kafka_cluster: str = "hub"  # the Strimzi ``Kafka`` resource
    kafka_namespace: str | None = None  # None: the hub's namespace
    topic_prefix: str = "hub"  # HUB_TOPIC_PREFIX
    app_id: str = "hub"  # HUB_APP_ID
    partitions: int = 6
    replication: int = 3
    max_replicas: int = 6  # per consumer role, never above the partitions
    intake_replicas: int = 2
    ingress_namespace: str = "ingress-nginx"
    monitoring_namespace: str = "monitoring"
    schema_registry_url: str | None = None
    blob_storage: str = "50Gi"
    drop_storage: str = "10Gi"
    #: back-office host -> CIDR for connectors' egress (NetworkPolicy cannot match host names)
    egress_cidrs: Mapping[str, str] = field(default_factory=dict)
    #: give each role only the secrets it uses; off while every role loads the whole
    #: configuration with ``require_secrets=True`` (then every role needs every secret)
    secrets_per_role: bool = False
    resources: Mapping[str, Resources] = field(default_factory=lambda: dict(DEFAULT_RESOURCES))

    @property
    def kafka_ns(self) -> str:
        """Namespace of the Kafka cluster and its entity operator."""
        return self.kafka_namespace or self.namespace

    @property
    def bootstrap(self) -> str:
        """The Strimzi TLS listener's bootstrap address."""
        return f"{self.kafka_cluster}-kafka-bootstrap.{self.kafka_ns}.svc:9093"

    @property
    def cluster_ca_secret(self) -> str:
        """The Secret the Strimzi cluster operator keeps the cluster CA certificate in."""
        return f"{self.kafka_cluster}-cluster-ca-cert"

    def replicas_bound(self) -> int:
        """Consumers beyond the partition count sit idle: the scaling bound."""
        return max(1, min(self.max_replicas, self.partitions))
