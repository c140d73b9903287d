"""The curated facts come back by SPARQL from a real store, each with its sources."""

from __future__ import annotations

import csv
import re
from decimal import Decimal

import pytest

from .conftest import SHARED_DOMAIN, ask, select

ID = "http://127.0.0.1:8000/id"


def shared_rows(name: str) -> list[dict[str, str]]:
    with (SHARED_DOMAIN / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def main_name(name: str) -> str:
    return re.sub(r"\s*\(.*\)\s*$", "", name).strip()


def test_all_51_areas_with_district_status_and_sources(backend) -> None:
    rows = select(backend, """
        SELECT ?area ?name ?district (COUNT(DISTINCT ?src) AS ?sources) WHERE {
            ?area a kg:QMArea ; skos:prefLabel ?name ; kg:district/skos:prefLabel ?district ;
                  kg:status ?status ; dct:source ?src .
            FILTER(LANG(?name) = "de")
        } GROUP BY ?area ?name ?district""")
    assert len(rows) == 51
    names = {r["name"]: r for r in rows}
    for row in shared_rows("areas.csv"):
        area = names.get(main_name(row["name"]))
        assert area, f"{row['name']} is missing"
        assert area["district"] == row["district"]
        assert int(area["sources"]) >= 1


def test_shared_area_sources_are_kept(backend) -> None:
    for row in shared_rows("areas.csv"):
        wanted = set(row["sources"].split())
        got = {r["src"] for r in select(backend, f"""
            SELECT ?src WHERE {{ ?area a kg:QMArea ; skos:prefLabel "{main_name(row['name'])}"@de ;
                                 dct:source ?src }}""")}
        assert wanted <= got, f"{row['name']}: missing sources {wanted - got}"


def test_merger_into_rixdorf(backend) -> None:
    rows = select(backend, f"""
        SELECT ?old WHERE {{
            ?old dct:isReplacedBy <{ID}/area/rixdorf> ; kg:status <{ID}/area-status/merged> .
            <{ID}/area/rixdorf> dct:replaces ?old .
        }} ORDER BY ?old""")
    assert [r["old"] for r in rows] == [f"{ID}/area/ganghoferstrasse",
                                        f"{ID}/area/richardplatz-sued"]
    events = select(backend, f"""
        SELECT ?area ?date WHERE {{
            ?e a kg:AreaEvent ; kg:area ?area ; kg:successor <{ID}/area/rixdorf> ;
               schema:startDate ?date ; dct:source ?src .
        }}""")
    assert {r["area"].rsplit("/", 1)[-1] for r in events} == {"ganghoferstrasse",
                                                              "richardplatz-sued"}


NINE_ENDED_2020 = {"Schöneberger Norden", "Marzahn NordWest", "Schillerpromenade",
                   "Mehrower Allee", "Lipschitzallee/Gropiusstadt", "Körnerpark",
                   "Mariannenplatz", "Werner-Düttmann-Siedlung", "Brunnenviertel-Ackerstraße"}


def test_the_nine_areas_ended_31_12_2020(backend) -> None:
    rows = select(backend, """
        SELECT DISTINCT ?name WHERE {
            ?area kg:status ?status ; skos:prefLabel ?name ; kg:lifeCycleEvent ?e .
            ?status skos:prefLabel "verstetigt"@de .
            ?e schema:startDate|schema:endDate ?date .
            FILTER(STR(?date) = "2020-12-31" && LANG(?name) = "de")
        }""")
    assert {r["name"] for r in rows} == NINE_ENDED_2020


def test_three_fund_generations_with_rules(backend) -> None:
    rows = select(backend, """
        SELECT ?generation (COUNT(DISTINCT ?fund) AS ?funds) (COUNT(DISTINCT ?rule) AS ?rules)
        WHERE { ?fund a kg:Fund ; kg:fundGeneration ?generation ; kg:rule ?rule .
                ?rule dct:source ?src . }
        GROUP BY ?generation""")
    counts = {r["generation"].rsplit("/", 1)[-1]: (int(r["funds"]), int(r["rules"])) for r in rows}
    assert set(counts) == {"until-2013", "2014-2020", "since-2021"}
    assert counts["until-2013"][0] == 4
    assert counts["2014-2020"][0] == 4
    assert counts["since-2021"][0] == 3
    assert all(rules >= funds for funds, rules in counts.values())


@pytest.mark.parametrize(("fund", "bound", "value"), [
    ("qf1", "schema:maxValue", "1000"),
    ("aktionsfonds-2014", "schema:maxValue", "1500"),
    ("projektfonds-2014", "schema:minValue", "5000"),
    ("baufonds-2014", "schema:minValue", "50000"),
    ("projektfonds-2021", "schema:minValue", "5000"),
    ("baufonds-2021", "schema:minValue", "50000"),
])
def test_fund_thresholds(backend, fund: str, bound: str, value: str) -> None:
    assert ask(backend, f"""ASK {{ <{ID}/fund/{fund}> kg:rule ?r . ?r {bound} ?v .
                                   FILTER(?v = {value}) }}""")


def test_who_decides_on_the_funds(backend) -> None:
    rows = select(backend, f"""
        SELECT ?who WHERE {{ <{ID}/fund/aktionsfonds-2021> kg:decidedBy ?who }}""")
    assert f"{ID}/committee-kinds/aktionsfondsjury" in {r["who"] for r in rows}


def test_gemeinschaftsinitiative_with_nine_departments_and_the_decision(backend) -> None:
    rows = select(backend, """
        SELECT ?abbr ?id ?date WHERE {
            ?gi a kg:Initiative ; org:hasMember ?dept ; kg:establishedBy ?decision .
            ?dept a kg:SenateDepartment ; kg:abbreviation ?abbr .
            ?decision schema:legislationIdentifier ?id ; schema:legislationDate ?date .
        }""")
    assert {r["abbr"] for r in rows} == {"SenSBW", "SenBJF", "SenASGIVA", "SenWGP",
                                         "SenInnSport", "SenKultGZ", "SenMVKU", "SenJustV",
                                         "SenWiEnBe"}
    assert {(r["id"], r["date"]) for r in rows} == {("S-1658/2018", "2018-10-30")}


def test_renamed_department_is_one_organisation_with_dated_names(backend) -> None:
    rows = select(backend, f"""
        SELECT ?abbr WHERE {{ <{ID}/department/sensbw> skosxl:altLabel ?n .
                              ?n kg:abbreviation ?abbr }}""")
    assert {"SenStadt", "SenStadtUm", "SenStadtWohn", "SenSBW"} <= {r["abbr"] for r in rows}


def amounts(backend, period: str) -> dict[tuple[str, str], Decimal]:
    rows = select(backend, f"""
        SELECT ?source ?fund ?amount WHERE {{
            ?o a qb:Observation ; sdmx-dimension:refPeriod <{ID}/period/{period}> ;
               sdmx-dimension:refArea <{ID}/place/berlin> ;
               kg:fundingSource ?source ; kg:fund ?fund ; kg:amountEur ?amount ; dct:source ?s .
        }}""")
    return {(r["source"].rsplit("/", 1)[-1], r["fund"].rsplit("/", 1)[-1]): Decimal(r["amount"])
            for r in rows}


def test_money_1999_2019(backend) -> None:
    money = {source: amount for (source, _), amount in amounts(backend, "cum-1999-2019").items()}
    assert money["all"] == Decimal("472060000")
    assert money["bund"] == Decimal("107610000")
    assert money["eu-efre"] == Decimal("140850000")
    assert money["land"] == Decimal("223600000")
    assert money["bund"] + money["eu-efre"] + money["land"] == money["all"]


def test_money_programme_year_2022(backend) -> None:
    money = {fund: amount for (_, fund), amount in amounts(backend, "py-2022").items()}
    assert money["all-funds"] == Decimal("28000000")
    assert money["aktionsfonds-2021"] == Decimal("330000")
    assert money["projektfonds-2021"] == Decimal("8000000")
    assert money["baufonds-2021"] == Decimal("15670000")
    assert money["gi-cross-departmental"] == Decimal("4000000")


def test_projects_1999_2019_count(backend) -> None:
    rows = select(backend, """
        SELECT ?n WHERE { ?o a qb:Observation ; kg:count ?n ;
                          sdmx-dimension:refPeriod <http://127.0.0.1:8000/id/period/cum-1999-2019> ;
                          kg:countedThing/skos:prefLabel "projects"@en }""")
    assert {r["n"] for r in rows} == {"7255"}


def test_every_project_of_projects_csv_with_its_sources(backend) -> None:
    for row in shared_rows("projects.csv"):
        name = row["name"].replace("\\", "\\\\").replace('"', '\\"')
        rows = select(backend, f"""
            SELECT ?p ?src WHERE {{ ?p a kg:Project ; skos:prefLabel "{name}"@de ;
                                    dct:source ?src }}""")
        assert rows, f"project {row['name']!r} is missing"
        assert row["source"].split()[0] in {r["src"] for r in rows}


def test_social_climate_projects_are_a_kind_of_project(backend) -> None:
    rows = select(backend, """
        SELECT ?name WHERE { ?p a kg:SocialClimateProject, kg:Project ;
                             skos:prefLabel ?name ; kg:climateRelated true }""")
    names = {r["name"] for r in rows}
    assert {"KlimaKiez Badstraße (I and II)", "Kool im Kiez (phase 1)", "PANKE.KLIMA"} <= names


def test_conflicts_stay_visible(backend) -> None:
    rows = select(backend, f"""
        SELECT ?text WHERE {{ ?m kg:measurementOf <{ID}/area/kosmosviertel> ; kg:caveat ?c .
                              ?c kg:caveatKind <{ID}/caveat-kinds/conflict> ;
                                 rdfs:comment ?text }}""")
    assert rows, "the Kosmosviertel size conflict must be visible"
    sizes = select(backend, f"""
        SELECT ?v WHERE {{ <{ID}/area/kosmosviertel> kg:measurement ?m .
                           ?m kg:unit <{ID}/units/hectare> ; schema:value ?v }}""")
    assert {Decimal(r["v"]) for r in sizes} >= {Decimal("18"), Decimal("37.6")}


PERSONS = ["Lompscher", "Geisel", "Junge-Reyer", "Strieder", "Obermeyer", "Gaebler",
           "Radziwill", "Breitenbach", "Scheeres", "Kiziltepe", "Pronold", "Häußermann",
           "Kapphan", "Michael Müller", "Korinna Stephan"]


def test_no_person_is_named(backend) -> None:
    pattern = "|".join(PERSONS)
    rows = select(backend, f"""
        SELECT ?s ?o WHERE {{ ?s ?p ?o . FILTER(ISLITERAL(?o) && REGEX(STR(?o), "{pattern}")) }}""")
    assert rows == []


def test_every_record_has_a_source(backend) -> None:
    rows = select(backend, """
        SELECT ?s ?type WHERE {
            GRAPH ?g { ?s a ?type }
            FILTER(STRSTARTS(STR(?g), "http://127.0.0.1:8000/graph/data/"))
            FILTER(?g != <http://127.0.0.1:8000/graph/data/sources>)
            FILTER NOT EXISTS { ?s dct:source ?src }
        }""")
    assert rows == []


def test_release_provenance(backend) -> None:
    rows = select(backend, """
        SELECT ?id ?when ?triples WHERE { GRAPH <http://127.0.0.1:8000/graph/release> {
            ?r a kg:Release ; kg:releaseId ?id ; prov:generatedAtTime ?when ;
               void:triples ?triples ; prov:wasGeneratedBy/prov:used ?file } }""")
    assert rows and rows[0]["id"] == backend.release_id()
    assert int(rows[0]["triples"]) > 1000


def test_programme_names_over_time(backend) -> None:
    rows = select(backend, f"""
        SELECT ?name ?from ?until WHERE {{
            <{ID}/programme/sozialer-zusammenhalt> skosxl:altLabel ?label .
            ?label skosxl:literalForm ?name ; dct:source ?src .
            OPTIONAL {{ ?label schema:startDate ?from }}
            OPTIONAL {{ ?label schema:endDate ?until }}
        }}""")
    names = {r["name"]: (r.get("from"), r.get("until")) for r in rows}
    assert names["Soziale Stadt"] == ("1999", "2019")
    assert names["Sozialer Zusammenhalt"] == ("2020", None)


def test_money_carries_its_unit(backend) -> None:
    assert ask(backend, """ASK { ?dsd qb:component [ qb:measure kg:amountEur ] .
        kg:amountEur sdmx-attribute:unitMeasure
            <http://publications.europa.eu/resource/authority/currency/EUR> }""")
