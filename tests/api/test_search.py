"""Label search over real HTTP: both languages, folding, ranking, filters, paging, errors."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ingest.store import EmbeddedBackend
from sparql_api.search import build_index, suggest, tokens

from ..conftest import BASE
from .conftest import LiveServer

ID = f"{BASE}/id"
AS_JSON = {"Accept": "application/json"}
AS_HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _search(live: LiveServer, **params: Any) -> dict[str, Any]:
    response = requests.get(f"{live.url}/search", params={**params, "format": "json"},
                            timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()  # type: ignore[no-any-return]


def _uris(body: dict[str, Any]) -> list[str]:
    return [r["uri"] for r in body["results"]]


def test_tokens_fold_case_accents_and_sharp_s() -> None:
    assert tokens("Neukölln, Badstraße/Gesundbrunnen") == ["neukolln", "badstrasse",
                                                          "gesundbrunnen"]


@pytest.mark.parametrize("query", ["Neukölln", "Neukolln", "neukoelln", "NEUKÖLLN"])
def test_german_label_found_with_or_without_umlauts(live: LiveServer, query: str) -> None:
    body = _search(live, q=query, size=100)
    uris = _uris(body)
    assert f"{ID}/district/neukoelln" in uris
    assert f"{ID}/organisation/bezirksamt-neukoelln" in uris
    district = body["results"][uris.index(f"{ID}/district/neukoelln")]
    assert district["matched"]["label"] == "Neukölln" and district["matched"]["lang"] == "de"
    assert body["total"] == len(uris) and body["query"] == query


def test_english_label_found_and_shown_in_the_readers_language(live: LiveServer) -> None:
    english = _search(live, q="active", lang="en")
    hit = next(r for r in english["results"] if r["uri"] == f"{ID}/area-status/active")
    assert hit["matched"] == {"label": "active", "lang": "en", "property": "skos:prefLabel",
                              "match": "exact"}
    assert hit["label"] == "active" and hit["lang"] == "en"
    assert any(t["name"] == "skos:Concept" for t in hit["types"])
    german = _search(live, q="active", lang="de")
    hit = next(r for r in german["results"] if r["uri"] == f"{ID}/area-status/active")
    assert hit["label"] == "aktiv" and hit["lang"] == "de"  # found in English, shown in German


def test_every_word_is_a_prefix_of_a_word_of_the_same_label(live: LiveServer) -> None:
    body = _search(live, q="badstr", size=100)
    uris = _uris(body)
    assert {f"{ID}/area/badstrasse", f"{ID}/committee/quartiersrat-badstrasse"} <= set(uris)
    for result in body["results"]:
        assert any(t.startswith("badstr") for t in tokens(result["matched"]["label"]))
    both = _uris(_search(live, q="quartiersr badstr", size=100))
    assert f"{ID}/committee/quartiersrat-badstrasse" in both
    assert f"{ID}/area/badstrasse" not in both  # no label of the area has both words
    assert _search(live, q="badstrx")["total"] == 0


def test_exact_matches_rank_first_then_whole_words_then_prefixes(live: LiveServer) -> None:
    body = _search(live, q="Badstraße", size=100)
    assert body["results"][0]["uri"] == f"{ID}/area/badstrasse"
    uris = _uris(body)
    assert uris.index(f"{ID}/area/badstrasse") < uris.index(
        f"{ID}/committee/quartiersrat-badstrasse")
    body = _search(live, q="Neukölln", size=100)
    first = body["results"][:2]
    assert [r["uri"] for r in first] == [f"{ID}/district/neukoelln", f"{ID}/pgr-2021/0810"]
    order = {"exact": 0, "words": 1, "prefix": 2}
    keys = [(order[r["matched"]["match"]], len(r["matched"]["label"]), r["uri"])
            for r in body["results"]]
    assert keys == sorted(keys)
    assert {r["matched"]["match"] for r in body["results"]} >= {"exact", "words"}
    assert all(r["matched"]["label"] != "Neukölln" for r in body["results"][2:])


def test_type_filter(live: LiveServer) -> None:
    body = _search(live, q="Badstraße", type="QMArea")
    assert _uris(body) == [f"{ID}/area/badstrasse"] and body["type"] == "QMArea"
    councils = _search(live, q="Badstraße", type="Quartiersrat")
    assert _uris(councils) == [f"{ID}/committee/quartiersrat-badstrasse"]
    by_iri = _search(live, q="active", type="http://www.w3.org/2004/02/skos/core#Concept")
    assert f"{ID}/area-status/active" in _uris(by_iri) and by_iri["type"] == "skos:Concept"
    assert all(any(t["name"] == "skos:Concept" for t in r["types"])
               for r in by_iri["results"])


def test_paging_is_consistent_and_pages_do_not_overlap(live: LiveServer) -> None:
    everything = _search(live, q="quartiersrat", size=100)
    total = everything["total"]
    assert 15 < total <= 100
    seen: list[str] = []
    pages = -(-total // 7)
    for page in range(1, pages + 1):
        body = _search(live, q="quartiersrat", size=7, page=page)
        assert (body["page"], body["size"], body["total"]) == (page, 7, total)
        assert len(body["results"]) == (7 if page < pages else total - 7 * (pages - 1))
        seen += _uris(body)
    assert len(seen) == len(set(seen)) == total
    assert seen == _uris(everything)
    beyond = _search(live, q="quartiersrat", size=7, page=pages + 1)
    assert beyond["results"] == [] and beyond["total"] == total


def test_html_page_lists_results_with_local_links_and_pages(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/search", params={"q": "quartiersrat", "size": 5},
                            headers=AS_HTML, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    listing = html.split('<ol class="results" start="1">', 1)[1].split("</ol>", 1)[0]
    assert listing.count("<li>") == 5
    assert listing.index('<a href="/def/Quartiersrat">') < listing.index(
        '<a href="/id/committee-kinds/quartiersrat">') < listing.index(
        '<a href="/id/committee/quartiersrat-')
    assert "Seite 1 von" in html and 'rel="next"' in html and 'rel="prev"' not in html
    assert 'href="/search?q=quartiersrat&amp;page=2&amp;size=5"' in html
    assert '<option value="QMArea">Quartiersmanagement-Gebiet (51)</option>' in html
    english = requests.get(f"{live.url}/search", params={"q": "Badstraße", "lang": "en"},
                           headers=AS_HTML, timeout=30).text
    assert 'href="/id/area/badstrasse"' in english and "Page 1 of 1" in english
    assert '<option value="QMArea">QM area (51)</option>' in english
    assert "neighbourhood council" in english  # the type label of the Quartiersrat


def test_html_escapes_the_query_and_sends_the_csp(live: LiveServer) -> None:
    evil = '<script>alert("x")</script> Neukölln'
    response = requests.get(f"{live.url}/search", params={"q": evil}, headers=AS_HTML,
                            timeout=30)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Neukölln" in response.text


def test_html_without_a_query_shows_the_empty_form(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/search", headers=AS_HTML, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'name="q" value=""' in response.text and "results-heading" not in response.text


@pytest.mark.parametrize(("headers", "params", "media_type"), [
    (AS_JSON, {}, "application/json"),
    (AS_HTML, {}, "text/html"),
    (AS_HTML, {"format": "json"}, "application/json"),
    (AS_JSON, {"format": "html"}, "text/html"),
])
def test_content_negotiation(live: LiveServer, headers: dict[str, str],
                             params: dict[str, str], media_type: str) -> None:
    response = requests.get(f"{live.url}/search", params={"q": "Wedding", **params},
                            headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


def test_unacceptable_media_type_is_406(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/search", params={"q": "Wedding"},
                            headers={"Accept": "text/csv"}, timeout=30)
    assert response.status_code == 406 and "application/json" in response.text


@pytest.mark.parametrize(("params", "message"), [
    ({}, "missing 'q'"),
    ({"q": "   "}, "missing 'q'"),
    ({"q": "x" * 201}, "'q' is too long: at most 200 characters, got 201"),
    ({"q": "a", "page": "0"}, "'page' must be a whole number 1 or more, got '0'"),
    ({"q": "a", "page": "-2"}, "'page' must be a whole number 1 or more"),
    ({"q": "a", "page": "two"}, "'page' must be a whole number 1 or more, got 'two'"),
    ({"q": "a", "size": "0"}, "'size' must be a whole number between 1 and 100, got '0'"),
    ({"q": "a", "size": "101"}, "'size' must be a whole number between 1 and 100"),
    ({"q": "a", "size": "1.5"}, "'size' must be a whole number between 1 and 100"),
    ({"q": "a", "type": "Nonsense"}, "unknown type 'Nonsense'; use one of:"),
    ({"q": "a", "limit": "5"}, "unknown parameter(s) limit; expected q, type"),
    ({"q": "a", "lang": "fr"}, "'lang' must be one of de, en, got 'fr'"),
])
def test_bad_requests_are_400_with_a_clear_message(live: LiveServer, params: dict[str, str],
                                                   message: str) -> None:
    response = requests.get(f"{live.url}/search", params=params, headers=AS_JSON, timeout=30)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["title"]) == (400, "Bad Request")
    assert message in problem["detail"]


def test_unknown_type_lists_the_offered_types(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/search", params={"q": "a", "type": "Area"},
                            headers=AS_JSON, timeout=30)
    assert response.status_code == 400
    offered = response.text.split("use one of: ", 1)[1].strip().split(", ")
    assert {"QMArea", "Quartiersrat", "skos:Concept", "Planungsraum"} <= set(offered)
    assert "qb:Observation" not in offered and "geo:Geometry" not in offered


def test_html_errors_too(live: LiveServer) -> None:
    for params in ({"q": "x" * 201}, {"q": "a", "page": "0"}, {"q": "a", "bogus": "1"}):
        response = requests.get(f"{live.url}/search", params=params, headers=AS_HTML,
                                timeout=30)
        assert response.status_code == 400, params


def test_suggest_finds_the_uri_of_a_misspelled_slug(backend: EmbeddedBackend) -> None:
    index = build_index(backend, BASE)
    assert suggest(index, "badstrase")[0]["uri"] == f"{ID}/area/badstrasse"
    assert suggest(index, "/id/area/badstrase")[0]["uri"] == f"{ID}/area/badstrasse"
    assert suggest(index, "quartiersrat-badstrase")[0]["uri"] == \
        f"{ID}/committee/quartiersrat-badstrasse"
    assert suggest(index, "soldiner-str")[0]["uri"] == f"{ID}/area/soldiner-strasse"
    found = suggest(index, "neukolln", limit=2)
    assert found[0] == {"uri": f"{ID}/district/neukoelln", "label": "Neukölln", "lang": "de",
                        "score": 1.0}
    assert len(suggest(index, "badstrase", limit=2)) == 2
    assert suggest(index, "qqqqzzzz") == []
