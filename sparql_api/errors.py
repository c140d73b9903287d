"""The API's error family and its one handler: a status, a title and a clear message."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.errors import BadInputError, StoreError
from ingest.executor import Busy, QueryTimeout

log = logging.getLogger(__name__)


class ApiError(Exception):
    status = 500
    title = "Internal Server Error"

    def __init__(self, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class BadRequest(ApiError):
    status, title = 400, "Bad Request"


class Forbidden(ApiError):
    status, title = 403, "Forbidden"


class NotFound(ApiError):
    status, title = 404, "Not Found"


class NotAcceptable(ApiError):
    status, title = 406, "Not Acceptable"


class PayloadTooLarge(ApiError):
    status, title = 413, "Content Too Large"


class UnsupportedMediaType(ApiError):
    status, title = 415, "Unsupported Media Type"


class Unavailable(ApiError):
    status, title = 503, "Service Unavailable"


class ResultTooLarge(Unavailable):
    """The answer outgrew the configured limit; the query was stopped."""


def describe(exc: BaseException) -> tuple[int, str, str, dict[str, str]]:
    """Status, title, message and extra headers for any error a request can raise."""
    if isinstance(exc, ApiError):
        return exc.status, exc.title, exc.detail, exc.headers
    if isinstance(exc, BadInputError):
        return 400, BadRequest.title, str(exc), {}
    if isinstance(exc, QueryTimeout):
        return 503, Unavailable.title, str(exc), {}
    if isinstance(exc, Busy):
        return 503, Unavailable.title, str(exc), {"Retry-After": "5"}
    if isinstance(exc, StoreError):
        log.warning("store unavailable: %s", exc)
        return 503, Unavailable.title, str(exc), {"Retry-After": "10"}
    log.error("unhandled error", exc_info=exc)
    return 500, ApiError.title, "an unexpected error occurred; it has been logged", {}


def plain_text(status: int, title: str, detail: str) -> bytes:
    return f"{status} {title}: {detail}\n".encode()


def _text(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(plain_text(status, title, detail), status_code=status,
                             headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not Found", 405: "Method Not Allowed"}
        detail = {404: f"nothing is served at {request.url.path}",
                  405: f"{request.method} is not allowed on {request.url.path}"}
        return _text(exc.status_code, titles.get(exc.status_code, "Error"),
                     detail.get(exc.status_code, str(exc.detail)), dict(exc.headers or {}))

    def _known(request: Request, exc: Exception) -> Response:
        return _text(*describe(exc))

    for known in (ApiError, BadInputError, QueryTimeout, Busy, StoreError):
        app.add_exception_handler(known, _known)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("on %s %s:", request.method, request.url.path)
        return _text(*describe(exc))
