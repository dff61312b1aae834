"""Kubernetes manifests rendered from the tenant configuration (``hub k8s render``).

``plan`` decides the workloads (one per role and per connector instance) and their topics;
``pods``, ``kafka``, ``network`` and ``monitoring`` turn them into resources; ``render``
gathers them by file; ``kustomize`` writes a base or an overlay.
"""

from hub.k8s.kustomize import base_tree, overlay_tree, write_tree
from hub.k8s.options import RenderError, RenderOptions, Resources
from hub.k8s.plan import Workload, plan
from hub.k8s.render import Manifests, load_for_render, render

__all__ = [
    "Manifests",
    "RenderError",
    "RenderOptions",
    "Resources",
    "Workload",
    "base_tree",
    "load_for_render",
    "overlay_tree",
    "plan",
    "render",
    "write_tree",
]
