"""Parse one CSV cell into an RDF term; raise :class:`CellError` saying what is wrong."""

from __future__ import annotations

import calendar
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from rdflib import XSD, Literal, URIRef

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class CellError(ValueError):
    def __init__(self, rule: str, fix: str):
        super().__init__(rule)
        self.rule = rule
        self.fix = fix


def parse_date(text: str) -> Literal:
    """YYYY -> xsd:gYear, YYYY-MM -> xsd:gYearMonth, YYYY-MM-DD -> xsd:date."""
    match = _DATE.match(text)
    if not match:
        raise CellError(f"'{text}' is not a date", "write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    if month is not None and not 1 <= int(month) <= 12:
        raise CellError(f"'{text}' has month {month}", "use a month from 01 to 12")
    if month is not None and day is not None:
        last = calendar.monthrange(int(year), int(month))[1]
        if not 1 <= int(day) <= last:
            raise CellError(f"'{text}' is not a day of the calendar",
                            f"use a day from 01 to {last}")
        return Literal(text, datatype=XSD.date)
    if month is not None:
        return Literal(text, datatype=XSD.gYearMonth)
    return Literal(text, datatype=XSD.gYear)


def parse_year(text: str) -> Literal:
    if not re.fullmatch(r"\d{4}", text):
        raise CellError(f"'{text}' is not a year", "write four digits, e.g. 2021")
    return Literal(text, datatype=XSD.gYear)


def parse_decimal(text: str) -> Literal:
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        raise CellError(
            f"'{text}' is not a plain decimal number",
            "write digits with a '.' for decimals and no thousands separator, e.g. 472060000",
        )
    try:
        Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise CellError(f"'{text}' is not a number", "write a decimal number") from exc
    return Literal(text, datatype=XSD.decimal)


def parse_integer(text: str) -> Literal:
    if not re.fullmatch(r"-?\d+", text):
        raise CellError(f"'{text}' is not a whole number", "write digits only, e.g. 22")
    return Literal(int(text), datatype=XSD.integer)


def parse_boolean(text: str) -> Literal | None:
    value = text.lower()
    if value in {"yes", "true"}:
        return Literal(True)
    if value in {"no", "false"}:
        return Literal(False)
    if value == "unknown":
        return None
    raise CellError(f"'{text}' is not yes/no", "write yes, no or unknown (or leave empty)")


def parse_url(text: str) -> URIRef:
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.netloc or any(c in text for c in ' <>"'):
        raise CellError(f"'{text}' is not an absolute http(s) URL", "write a full URL")
    return URIRef(text)


def is_url(text: str) -> bool:
    try:
        parse_url(text)
    except CellError:
        return False
    return True
