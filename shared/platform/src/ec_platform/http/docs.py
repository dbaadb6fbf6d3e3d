"""The API pages at /docs, served with everything they load: no CDN, so they
work on a machine without the internet. Swagger UI is vendored from npm's
swagger-ui-dist (static/swagger-ui/VERSION says which)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from ec_platform.http.problems import ProblemError

ASSETS_PATH = "/docs/assets"
# The files the page loads, and their media types; nothing else is served.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


def _asset(name: str) -> bytes:
    return (resources.files("ec_platform.http") / "static" / "swagger-ui" / name).read_bytes()


def docs_router(app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    cache: dict[str, bytes] = {}

    @router.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=app.title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
            swagger_ui_parameters={
                # The token typed into "Authorize" survives a reload of the page.
                "persistAuthorization": True,
                "displayRequestDuration": True,
                # Swagger UI would otherwise ask validator.swagger.io about the document.
                "validatorUrl": None,
            },
        )

    @router.get(ASSETS_PATH + "/{name}")
    async def swagger_asset(name: str) -> Response:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise ProblemError(404, "Not Found", f"no asset {name}")
        if name not in cache:
            cache[name] = _asset(name)
        return Response(
            cache[name],
            media_type=media_type,
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return router
