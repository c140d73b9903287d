"""Cell parsing: each kind accepts its forms and rejects the rest with a fix."""

from __future__ import annotations

import pytest
from rdflib import XSD, Literal, URIRef

from ingest.values import (
    CellError,
    parse_boolean,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_url,
    parse_year,
)


@pytest.mark.parametrize(("text", "datatype"), [
    ("1999", XSD.gYear), ("1999-03", XSD.gYearMonth), ("2018-10-30", XSD.date),
    ("2024-02-29", XSD.date),
])
def test_dates_keep_their_precision(text: str, datatype: URIRef) -> None:
    assert parse_date(text) == Literal(text, datatype=datatype)


@pytest.mark.parametrize("text", ["30.10.2018", "2018-13", "2018-02-30", "2023-02-29", "99",
                                  "2018-1-5", "2018-10-30T10:00"])
def test_wrong_dates_are_rejected_with_a_fix(text: str) -> None:
    with pytest.raises(CellError) as err:
        parse_date(text)
    assert err.value.fix


def test_year() -> None:
    assert parse_year("2027") == Literal("2027", datatype=XSD.gYear)
    with pytest.raises(CellError):
        parse_year("2027-01")


@pytest.mark.parametrize("text", ["472060000", "101.15", "-3", "0"])
def test_decimals(text: str) -> None:
    assert parse_decimal(text) == Literal(text, datatype=XSD.decimal)


@pytest.mark.parametrize("text", ["1,500", "1.500,00", "12 Mio", "1e6", ""])
def test_decimal_rejects_localized_numbers(text: str) -> None:
    with pytest.raises(CellError, match="plain decimal"):
        parse_decimal(text)


def test_integer_and_boolean() -> None:
    assert parse_integer("22") == Literal(22)
    with pytest.raises(CellError):
        parse_integer("22.5")
    assert parse_boolean("yes") == Literal(True)
    assert parse_boolean("no") == Literal(False)
    assert parse_boolean("unknown") is None
    with pytest.raises(CellError):
        parse_boolean("maybe")


def test_urls() -> None:
    assert parse_url("https://qm-titiseestrasse.de/quartiersrat/") == URIRef(
        "https://qm-titiseestrasse.de/quartiersrat/")
    for bad in ["qm-titiseestrasse.de", "ftp://x.de/a", "https://a b.de", "javascript:alert(1)"]:
        with pytest.raises(CellError):
            parse_url(bad)
