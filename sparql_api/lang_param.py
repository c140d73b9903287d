"""``?lang=`` on any route: one of the languages the pages are written in, or a 400.

A reader who asks for a language we do not have is told so, instead of getting German
without a word; ``Accept-Language`` stays a preference and falls back quietly.
"""

from __future__ import annotations

from fastapi import Request

from .errors import BadRequest
from .pages import LANGUAGES, primary_language


async def supported_language(request: Request) -> None:
    """``async``: it only reads the URL, so it runs on the loop, not in a pool thread."""
    asked = request.query_params.getlist("lang")
    if len(asked) > 1:
        raise BadRequest("'lang' is given more than once")
    if asked and primary_language(asked[0]) not in LANGUAGES:
        raise BadRequest(f"'lang' must be one of {', '.join(LANGUAGES)}, got {asked[0]!r}")
