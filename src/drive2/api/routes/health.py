from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from drive2.api.deps import ContainerDep

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
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
