"""Prometheus metrics of the API process."""

from __future__ import annotations

from prometheus_client import Counter

HTTP_REQUESTS = Counter(
    "drive2_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
UPLOADS = Counter("drive2_uploads_total", "Files uploaded", ["outcome"])
UPLOAD_BYTES = Counter("drive2_upload_bytes_total", "Bytes received in uploads")
