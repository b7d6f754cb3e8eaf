from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep
from drive2.api.metrics import deployment_registry, exposition

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(c: ContainerDep) -> JSONResponse:
    parts = await run_in_threadpool(c.health.check)
    ready = all(p.ok for p in parts)
    body = {
        "status": "ready" if ready else "unavailable",
        "parts": {
            p.name: {"ok": p.ok, "latency_ms": p.latency_ms, "error": p.error} for p in parts
        },
    }
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request, c: ContainerDep) -> Response:
    registry = getattr(request.app.state, "deployment_metrics", None)
    if registry is None:
        registry = request.app.state.deployment_metrics = deployment_registry(c.metric_sources)
    # The deployment's numbers come from the database and the broker: off the event loop.
    body = await run_in_threadpool(exposition, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
