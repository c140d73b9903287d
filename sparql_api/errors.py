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


def _text(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(f"{status} {title}: {detail}\n", status_code=status,
                             headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    def _api_error(request: Request, exc: ApiError) -> Response:
        return _text(exc.status, exc.title, exc.detail, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not Found", 405: "Method Not Allowed"}
        detail = {404: f"nothing is served at {request.url.path}",
                  405: f"{request.method} is not allowed on {request.url.path}"}
        return _text(exc.status_code, titles.get(exc.status_code, "Error"),
                     detail.get(exc.status_code, str(exc.detail)), dict(exc.headers or {}))

    @app.exception_handler(BadInputError)
    def _bad_input(request: Request, exc: BadInputError) -> Response:
        return _text(400, BadRequest.title, str(exc))

    @app.exception_handler(QueryTimeout)
    def _timeout(request: Request, exc: QueryTimeout) -> Response:
        return _text(503, Unavailable.title, str(exc))

    @app.exception_handler(Busy)
    def _busy(request: Request, exc: Busy) -> Response:
        return _text(503, Unavailable.title, str(exc), {"Retry-After": "5"})

    @app.exception_handler(StoreError)
    def _store(request: Request, exc: StoreError) -> Response:
        log.warning("store unavailable: %s", exc)
        return _text(503, Unavailable.title, str(exc), {"Retry-After": "10"})

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _text(500, ApiError.title, "an unexpected error occurred; it has been logged")
