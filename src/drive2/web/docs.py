"""The API reference at /docs: Swagger UI from the `swagger-ui-bundle` package, served by Drive2
itself under /docs-assets/, with the web app's strict Content-Security-Policy.

FastAPI's own /docs page loads Swagger UI from a CDN without integrity checks and starts it
with an inline script, on the origin that holds the session cookie; here no byte of script
comes from elsewhere and none is inline. ReDoc (also from a CDN) is not offered.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from drive2.web.routes import PAGE_HEADERS, STATIC_DIR

ASSETS_PATH = "/docs-assets"
SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Drive2 API</title>
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="/static/docs/init.js"></script>
</body>
</html>
"""


class _Assets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(PAGE_HEADERS)
        return response


def install_api_docs(app: FastAPI) -> None:
    """Call on an app made with docs_url=None and redoc_url=None."""
    assert (STATIC_DIR / "docs" / "init.js").is_file()

    async def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE, headers=PAGE_HEADERS)

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
    app.mount(ASSETS_PATH, _Assets(directory=SWAGGER_DIR), name="docs-assets")
