"""The OpenAPI schema says what the API really answers on errors: {"detail": "..."}.

FastAPI documents its own validation error shape (a list of error objects); Drive2 answers
every error, validation included, with a plain string, so the generated schema is corrected
here. Every /api/v1 operation also declares that shape as its `default` response, so a
client (or schemathesis) can check any error body against the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "string"}},
    "required": ["detail"],
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _correct(schema: dict[str, Any], api_prefix: str) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    components["HTTPValidationError"] = ERROR_SCHEMA
    components.pop("ValidationError", None)
    for path, item in schema.get("paths", {}).items():
        if not path.startswith(api_prefix):
            continue
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            operation.setdefault("responses", {}).setdefault(
                "default",
                {
                    "description": "An error",
                    "content": {"application/json": {"schema": _ERROR_REF}},
                },
            )
    return schema


def document_errors(app: FastAPI, api_prefix: str) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _correct(generate(), api_prefix)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
