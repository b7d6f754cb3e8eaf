"""Prometheus metrics for /metrics.

Two registries: this process's own (HTTP requests, uploads, and the standard process_* /
python_* collectors), kept per API process like any Prometheus client; and, per container,
the deployment's (files by status, stage and task durations, task outcomes, queue depth, AI
calls and quota — see services/metrics.py), the same whichever API process answers. The AI
chain counts through the latter (its on_call hook); it keeps no Prometheus metric of its own.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from drive2.services.metrics import DeploymentCollector, MetricSources

PROCESS_REGISTRY = CollectorRegistry()
ProcessCollector(registry=PROCESS_REGISTRY)
PlatformCollector(registry=PROCESS_REGISTRY)
GCCollector(registry=PROCESS_REGISTRY)

HTTP_REQUESTS = Counter(
    "drive2_http_requests_total",
    "HTTP requests answered",
    ["method", "route", "status"],
    registry=PROCESS_REGISTRY,
)
UPLOADS = Counter("drive2_uploads_total", "Files uploaded", ["outcome"], registry=PROCESS_REGISTRY)
UPLOAD_BYTES = Counter(
    "drive2_upload_bytes_total", "Bytes received in uploads", registry=PROCESS_REGISTRY
)

OPEN_STREAMS = Gauge(
    "drive2_event_streams_open",
    "Live status streams open in this process",
    registry=PROCESS_REGISTRY,
)


def deployment_registry(sources: MetricSources) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DeploymentCollector(sources))
    return registry


def exposition(deployment: CollectorRegistry) -> bytes:
    """The text format of both registries (their metric names never overlap)."""
    return generate_latest(PROCESS_REGISTRY) + generate_latest(deployment)
