"""A shapes file that pySHACL cannot apply is an error, never a silent pass."""

from __future__ import annotations

from rdflib import Graph, URIRef

from ingest.errors import InvalidDataError
from ingest.validate import validate

BROKEN_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:sparql [ sh:message "x" ;
                sh:select "SELECT $this WHERE { VALUES ?v { 1 } $this <http://ex.org/p> ?v }" ] .
"""


def test_unusable_shapes_raise() -> None:
    data = Graph().parse(data="<http://example.org/a> a <http://example.org/C> .", format="turtle")
    shapes = Graph().parse(data=BROKEN_SHAPES, format="turtle")
    try:
        validate(data, shapes, {})
    except InvalidDataError as err:
        assert "cannot be applied" in str(err.problems[0])
    else:
        raise AssertionError("a broken shapes graph must not pass")


def test_findings_carry_messages_in_both_languages() -> None:
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:sparql [ sh:message "zu groß"@de, "too big"@en ;
                        sh:select '''SELECT $this ?value WHERE {
                            $this <http://example.org/p> ?value . FILTER(?value > 3) }''' ] .
        """, format="turtle")
    data = Graph().parse(data="<http://example.org/a> a <http://example.org/C> ; "
                              "<http://example.org/p> 5 .", format="turtle")
    outcome = validate(data, shapes, {})
    assert not outcome.conforms
    [finding] = outcome.violations
    assert (finding.message_en, finding.message_de) == ("too big", "zu groß")
    assert finding.focus == URIRef("http://example.org/a")
