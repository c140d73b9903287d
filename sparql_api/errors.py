"""The API's error family and its one handler: a status, a title and a clear message.

The message goes out as plain text, as a page for a browser (a client that ranks
``text/html`` above ``text/plain``), or as RFC 9457 problem details for a client that asks
for JSON (JSON-LD, GeoJSON and search clients read one shape of error); the SPARQL
endpoint always answers in plain text, as SPARQL clients expect.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.errors import BadInputError, StoreError
from ingest.executor import Busy, QueryTimeout

from . import pages
from .conneg import negotiate
from .formats import HTML, Format

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


TEXT = Format("text", "text/plain", (), "", "txt")
PROBLEM = Format("problem", "application/problem+json",
                 ("application/json", "application/ld+json", "application/geo+json"), "", "json")
TITLES_DE = {400: "Ungültige Anfrage", 403: "Nicht erlaubt", 404: "Nicht gefunden",
             405: "Methode nicht erlaubt", 406: "Format nicht verfügbar",
             413: "Anfrage zu groß", 415: "Format der Anfrage unbekannt",
             503: "Dienst nicht verfügbar", 500: "Interner Fehler"}


def answer(request: Request, status: int, title: str, detail: str,
           headers: dict[str, str] | None = None) -> Response:
    """The error as a page for browsers (in their language), as problem details for JSON
    clients, else as plain text; so it varies with Accept and Accept-Language, and
    whatever the error names itself."""
    headers = dict(headers or {})
    headers["Vary"] = ", ".join(v for v in ("Accept, Accept-Language", headers.get("Vary"))
                                if v)
    wanted = None if request.url.path.startswith("/sparql") else \
        negotiate(request.headers.get("accept"), (TEXT, HTML, PROBLEM))
    if wanted is PROBLEM:
        return JSONResponse({"type": "about:blank", "title": title, "status": status,
                             "detail": detail, "instance": request.url.path},
                            status_code=status, headers=headers,
                            media_type=PROBLEM.media_type)
    if wanted is HTML:
        try:
            return pages.render(request, "error.html", status_code=status, headers=headers,
                                status=status, title=title,
                                title_de=TITLES_DE.get(status, title), detail=detail)
        except Exception:  # an error page must never hide the error
            log.exception("the error page could not be rendered")
    return PlainTextResponse(plain_text(status, title, detail), status_code=status,
                             headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not Found", 405: "Method Not Allowed"}
        detail = {404: f"nothing is served at {request.url.path}",
                  405: f"{request.method} is not allowed on {request.url.path}"}
        headers = dict(exc.headers or {})
        allow = [m.strip() for m in headers.get("Allow", "").split(",") if m.strip()]
        if "GET" in allow and "HEAD" not in allow:  # app.HeadAsGet answers HEAD
            headers["Allow"] = ", ".join([*allow, "HEAD"])
        return answer(request, exc.status_code, titles.get(exc.status_code, "Error"),
                      detail.get(exc.status_code, str(exc.detail)), headers)

    def _known(request: Request, exc: Exception) -> Response:
        return answer(request, *describe(exc))

    for known in (ApiError, BadInputError, QueryTimeout, Busy, StoreError):
        app.add_exception_handler(known, _known)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("on %s %s:", request.method, request.url.path)
        return answer(request, *describe(exc))
