"""Content negotiation: pick a format from ``?format=`` or the Accept header (RFC 9110)."""

from __future__ import annotations

from dataclasses import dataclass

from .formats import Format, by_name, names, offered


@dataclass(frozen=True)
class Range:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> int:
        """0 for no match, else the specificity (3 exact, 2 type/*, 1 */*)."""
        main, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type == main and self.subtype == "*":
            return 2
        return 3 if (self.type, self.subtype) == (main, sub) else 0


def parse_accept(header: str | None) -> list[Range]:
    """The media ranges of an Accept header; malformed parts are skipped (RFC 9110 lets a
    server ignore a header it cannot parse)."""
    if not header or not header.strip():
        return [Range("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media, _, sub = pieces[0].lower().partition("/")
        if not media or not sub:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(Range(media, sub, q, order))
    return ranges or [Range("*", "*", 1.0, 0)]  # nothing usable: as if no header was sent


def _best(ranges: list[Range], media_types: tuple[str, ...]) -> tuple[int, float, int]:
    """Specificity, q and (negated) position of the most specific range that matches.
    The first media type is the format's own; the others (aliases such as
    application/xhtml+xml or application/x-turtle) count only when named exactly, so
    ``application/*`` does not select HTML or Turtle through them."""
    best: tuple[int, float, int] = (0, 0.0, 0)
    for position, media_type in enumerate(media_types):
        for r in ranges:
            specificity = r.matches(media_type)
            if position > 0 and specificity < 3:
                continue
            if specificity > best[0]:
                best = (specificity, r.q, -r.order)
    return best


def quality(ranges: list[Range], fmt: Format) -> tuple[float, int]:
    """The q-value the client gives ``fmt`` (most specific matching range wins)."""
    _, q, order = _best(ranges, (fmt.media_type, *fmt.aliases))
    return q, order


JSON_LD, JSON = "application/ld+json", "application/json"


def json_ld_media_type(accept: str | None) -> str:
    """The Content-Type of a negotiated JSON-LD answer: ``application/ld+json``, unless the
    Accept header rules that out and names ``application/json`` (a plain JSON client);
    then the same document goes out as ``application/json``, the type it asked for."""
    ranges = parse_accept(accept)
    return JSON if _best(ranges, (JSON_LD,))[1] == 0 < _best(ranges, (JSON,))[1] else JSON_LD


def negotiate(accept: str | None, formats: tuple[Format, ...]) -> Format | None:
    """The acceptable format with the highest q; ties go to the client's order, then ours."""
    ranges = parse_accept(accept)
    scored = [(quality(ranges, f), -i, f) for i, f in enumerate(formats)]
    scored = [s for s in scored if s[0][0] > 0]
    if not scored:
        return None
    return max(scored, key=lambda s: (s[0][0], s[0][1], s[1]))[2]


def named(formats: tuple[Format, ...], name: str,
          headers: dict[str, str] | None = None) -> Format:
    """The format a ``?format=`` value names (name, extension or media type), else 400
    with the values on offer: one rule for every route that takes the parameter."""
    from .errors import BadRequest

    fmt = by_name(formats, name)
    if fmt is None:
        raise BadRequest(f"unknown format {name!r}; use one of {names(formats)}", headers)
    return fmt


def choose(name: str | None, accept: str | None, formats: tuple[Format, ...], what: str,
           default: Format | None = None) -> Format:
    """``?format=`` first (400 when unknown), then Accept (406 when nothing fits);
    without an Accept header, ``default`` (or the first format)."""
    from .errors import NotAcceptable

    if name is not None:
        return named(formats, name)
    if not accept:
        return default or formats[0]
    fmt = negotiate(accept, formats)
    if fmt is None:
        raise NotAcceptable(f"{what} is offered as: {offered(formats)}")
    return fmt
