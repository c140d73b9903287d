"""Server-rendered HTML pages: one Jinja2 environment, the reader's language, safe headers.

German is the default; English comes by ``?lang=en`` (which wins) or ``Accept-Language``.
Every value is escaped by autoescaping, pages carry a strict Content-Security-Policy
(no inline script at all), and ``t(de, en)`` in templates picks the reader's language.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).resolve().parent
LANGUAGES = ("de", "en")
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'self'")
VARY = "Accept, Accept-Language, Accept-Encoding"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(("html", "xml")), trim_blocks=True,
                      lstrip_blocks=True)
    return env


def primary_language(tag: str | None) -> str | None:
    """A language tag as we tell languages apart: ``EN``, ``en-GB`` and ``en`` are one."""
    return tag.strip().lower().split("-")[0] if tag else None


def language(request: Request) -> str:
    """``?lang=`` if valid, else the first supported language in Accept-Language."""
    asked = primary_language(request.query_params.get("lang"))
    if asked in LANGUAGES:
        return asked
    header = request.headers.get("accept-language") or ""
    ranked = []
    for order, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, order, primary_language(tag)))
    for _, _, tag in sorted(ranked):
        if tag in LANGUAGES:
            return tag
    return "de"


def render(request: Request, template: str, status_code: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    lang = language(request)

    def t(de: str, en: str) -> str:
        return de if lang == "de" else en

    others = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True)
              if k != "lang"]

    def with_lang(code: str) -> str:
        """This page's query string in another language (filters and paging kept)."""
        return "?" + urlencode([*others, ("lang", code)])

    html = environment().get_template(template).render(
        lang=lang, t=t, with_lang=with_lang, path=request.url.path, query=request.url.query,
        **context)
    return page_response(html, lang, status_code, headers)


def page_response(html: str | bytes, lang: str, status_code: int = 200,
                  headers: dict[str, str] | None = None) -> HTMLResponse:
    """A rendered page with the headers every page carries."""
    return HTMLResponse(html, status_code=status_code, headers={
        "Content-Security-Policy": PAGE_CSP, "Content-Language": lang,
        "Vary": VARY, **(headers or {})})
