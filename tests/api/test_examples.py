"""Every example query of the query page answers its research question correctly."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.vocab import Vocab
from sparql_api.description import examples, with_prefixes

BASE = "http://127.0.0.1:8000"


def run(live, http, slug: str) -> list[dict[str, str]]:
    example = next(e for e in examples() if e.slug == slug)
    response = http.post(f"{live.url}/sparql", timeout=60,
                         data={"query": with_prefixes(example.query, Vocab(BASE))})
    assert response.status_code == 200, response.text
    rows = json.loads(response.content)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def test_there_are_at_least_15_examples() -> None:
    assert len(examples()) >= 15
    assert all(e.title and e.title_de and e.description for e in examples())


def test_every_example_runs_and_answers(live, http) -> None:
    for example in examples():
        assert run(live, http, example.slug), f"{example.slug} returned nothing"


def test_areas_per_district_and_status(live, http) -> None:
    rows = run(live, http, "01-areas-per-district-and-status")
    assert sum(int(r["areas"]) for r in rows) == 51
    active = {r["district"]: int(r["areas"]) for r in rows if r["status"] == "active"}
    assert active == {"Mitte": 6, "Friedrichshain-Kreuzberg": 3, "Neukölln": 9,
                      "Tempelhof-Schöneberg": 2, "Steglitz-Zehlendorf": 1, "Spandau": 4,
                      "Reinickendorf": 3, "Marzahn-Hellersdorf": 3, "Treptow-Köpenick": 1}


def test_money_by_source(live, http) -> None:
    rows = {r["source"]: Decimal(r["amountEur"])
            for r in run(live, http, "02-money-by-source-1999-2019")}
    assert rows["all sources"] == Decimal("472060000")
    assert rows["Federal government"] == Decimal("107610000")
    assert rows["Land Berlin"] == Decimal("223600000")
    assert Decimal("140850000") in rows.values()


def test_programme_year_2022(live, http) -> None:
    rows = {r["fund"]: Decimal(r["amountEur"])
            for r in run(live, http, "03-programme-year-2022-by-fund")}
    assert sorted(rows.values(), reverse=True)[:1] == [Decimal("28000000")]
    assert {Decimal("330000"), Decimal("8000000"), Decimal("15670000"),
            Decimal("4000000")} <= set(rows.values())


def test_ended_areas(live, http) -> None:
    rows = run(live, http, "04-ended-areas-and-what-followed")
    assert len(rows) == 19
    merged = {r["area"]: r.get("successor") for r in rows if r["status"] == "merged"}
    assert merged == {"Ganghoferstraße": "Rixdorf", "Richardplatz-Süd": "Rixdorf"}




def test_who_decides(live, http) -> None:
    rows = run(live, http, "06-who-decides")
    assert any("Aktionsfonds" in r["fund"] and "Aktionsfondsjury" in r["decidedBy"]
               for r in rows)


def test_gi_departments(live, http) -> None:
    rows = run(live, http, "07-gemeinschaftsinitiative-departments")
    assert len(rows) == 9 and {r["decision"] for r in rows} == {"S-1658/2018"}


def test_department_names(live, http) -> None:
    rows = run(live, http, "08-department-names-over-time")
    assert [r["abbreviation"] for r in rows if r.get("observedFrom")][:3] == \
        ["SenStadt", "SenStadtUm", "SenStadtWohn"]


def test_climate_projects(live, http) -> None:
    rows = {r["area"]: int(r["projects"]) for r in run(live, http, "09-climate-projects-per-area")}
    assert rows["Reinickendorfer Straße/Pankstraße"] >= 3


def test_areas_over_time(live, http) -> None:
    rows = run(live, http, "10-number-of-areas-over-time")
    counts = [int(r["areas"]) for r in rows]
    assert 15 in counts and 37 in counts and 32 in counts


@pytest.mark.parametrize("slug", ["11-operators", "12-population-of-areas",
                                  "13-quartiersrat-compositions", "14-quartiersraetekongresse",
                                  "15-conflicting-sources", "16-selection-by-monitoring",
                                  "17-projects-by-fund"])
def test_other_examples_match_the_facts(live, http, slug: str) -> None:
    rows = run(live, http, slug)
    assert rows
    if slug == "14-quartiersraetekongresse":
        assert [r["date"] for r in rows][:2] == ["2010-03-20", "2014-03-21"]
    if slug == "13-quartiersrat-compositions":
        assert any(r["members"] == "22" and r.get("residents") == "12" for r in rows)


def test_areas_and_social_monitoring(live, http) -> None:
    """Checked against the MSS 2021 table itself: Germaniagarten is Planungsraum
    07400928, so its main row carries that Planungsraum's classes."""
    import csv

    from ..conftest import DATA

    with (DATA / "geo" / "mss" / "mss_2021_indizes.csv").open(encoding="utf-8") as fh:
        mss = {row["PLR_ID"]: row for row in csv.DictReader(fh)}
    rows = run(live, http, "18-areas-and-social-monitoring")
    assert len({r["area"] for r in rows}) == 9
    main = next(r for r in rows if r["area"] == "Germaniagarten")
    assert main["planungsraum"] == "Germaniagarten" and Decimal(main["shareOfArea"]) > 0
    assert main["status"] == mss["07400928"]["SI_V"]
    assert main["dynamics"] == mss["07400928"]["DI_V"]
    assert main["geometry"] == "footprint derived from LOR"


# -- the examples below are checked against the curated CSV files in data/, read here
# independently of the graph (the ingest maps those files; the queries read the graph).

DATA = Path(__file__).resolve().parents[2] / "data"


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _ids(value: str) -> str:
    return value.split(":")[-1]


def test_funds_and_rules_match_the_rules_table(live, http) -> None:
    funds = {f["id"]: f for f in _csv("funds.csv")}
    expected = sorted((funds[r["subject"]]["name"], r["text_en"]) for r in _csv("rules.csv")
                      if r["subject"] in funds and r["text_en"])
    rows = run(live, http, "05-funds-and-their-rules")
    assert sorted((r["fund"], r["text"]) for r in rows) == expected
    assert len({r["generation"] for r in rows}) == len(
        {funds[r["subject"]]["generation"] for r in _csv("rules.csv") if r["subject"] in funds})


def test_operators_match_the_mandates_table(live, http) -> None:
    names = {o["id"]: o["name"] for o in _csv("organisations.csv")}
    areas: dict[str, set[str]] = {}
    for mandate in _csv("area_operators.csv"):
        for operator in mandate["operator"].split("|"):  # a consortium names several
            areas.setdefault(names[_ids(operator.strip())], set()).add(mandate["area"])
    rows = run(live, http, "11-operators")
    assert {r["operator"]: int(r["areas"]) for r in rows} == {k: len(v) for k, v in areas.items()}


def test_population_is_the_latest_measurement_per_area(live, http) -> None:
    names = {a["id"]: a["name"] for a in _csv("areas.csv")}
    latest: dict[str, tuple[str, Decimal]] = {}
    for m in _csv("measurements.csv"):
        if m["quantity"] == "population" and m["subject"] in names:
            current = latest.get(m["subject"])
            if current is None or m["ref_date"] > current[0]:
                latest[m["subject"]] = (m["ref_date"], Decimal(m["value"]))
    rows = run(live, http, "12-population-of-areas")
    assert {r["area"]: Decimal(r["residents"]) for r in rows} == \
        {names[k]: v for k, (_, v) in latest.items()}
    assert Decimal(rows[0]["residents"]) == max(v for _, v in latest.values())


def test_conflicting_sources_are_every_conflict_caveat(live, http) -> None:
    conflicts = sorted(c["text_en"] for name in ("caveats.areas.csv", "caveats.funds.csv",
                                                 "caveats.programme.csv")
                       for c in _csv(name) if c["kind"] == "conflict")
    rows = run(live, http, "15-conflicting-sources")
    assert sorted(r["conflict"] for r in rows) == conflicts


def test_projects_by_fund_match_the_projects_table(live, http) -> None:
    funds = {f["id"]: f["name"] for f in _csv("funds.csv")}
    counts: dict[str, int] = {}
    amounts: dict[str, Decimal] = {}
    for p in _csv("projects.csv"):
        if p["fund"]:
            name = funds[p["fund"]]
            counts[name] = counts.get(name, 0) + 1
            amounts[name] = amounts.get(name, Decimal(0)) + Decimal(p["amount_eur"] or 0)
    rows = run(live, http, "17-projects-by-fund")
    assert {r["fund"]: int(r["projects"]) for r in rows} == counts
    assert {r["fund"]: Decimal(r.get("knownAmountEur", "0")) for r in rows} == amounts
