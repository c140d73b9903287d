"""Every example query of the query page answers its research question correctly."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from decimal import Decimal

from ingest.vocab import Vocab
from sparql_api.description import examples, with_prefixes

from ..conftest import DATA

BASE = "http://127.0.0.1:8000"


def run(live, http, slug: str) -> list[dict[str, str]]:
    example = next(e for e in examples() if e.slug == slug)
    response = http.post(f"{live.url}/sparql", timeout=60,
                         data={"query": with_prefixes(example.query, Vocab(BASE))})
    assert response.status_code == 200, response.text
    rows = json.loads(response.content)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def table(name: str) -> list[dict[str, str]]:
    """The rows of a curated table: ``data/<name>.csv`` and its parts ``<name>.<part>.csv``."""
    rows: list[dict[str, str]] = []
    for path in [DATA / f"{name}.csv", *sorted(DATA.glob(f"{name}.*.csv"))]:
        if path.exists():
            with path.open(encoding="utf-8", newline="") as fh:
                rows += csv.DictReader(fh)
    assert rows, f"no curated table {name}"
    return rows


def ref(value: str) -> str:
    """The id of a reference cell, which may be written ``table:id``."""
    return value.rpartition(":")[2]


def names(name: str, column: str = "name") -> dict[str, str]:
    return {row["id"]: row[column] for row in table(name)}


def labels(scheme: str) -> dict[str, str]:
    """English labels of one code list (concept ids are unique only within their scheme)."""
    return {c["id"]: c["label_en"] for c in table("concepts") if c["scheme"] == scheme}


def cells(value: str) -> list[str]:
    """The references of a list cell (``a | b``)."""
    return [ref(v) for v in value.split(" | ") if v]


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


def test_funds_and_rules(live, http) -> None:
    """Every rule of rules.csv on a fund, with the fund's generation and validity (funds.csv)."""
    funds = {f["id"]: f for f in table("funds")}
    generations, kinds = labels("fund-generations"), labels("rule-kinds")
    expected = sorted(
        (generations[fund["generation"]], fund["name"], fund["valid_from"], fund["valid_until"],
         kinds[rule["kind"]], rule["min"], rule["max"], rule["text_en"])
        for rule in table("rules") if (fund := funds.get(ref(rule["subject"]))))
    rows = run(live, http, "05-funds-and-their-rules")
    assert sorted((r["generation"], r["fund"], r.get("from", ""), r.get("until", ""), r["rule"],
                   r.get("min", ""), r.get("max", ""), r["text"]) for r in rows) == expected
    order = [(r.get("from", ""), r["fund"], r["rule"]) for r in rows]
    assert order == sorted(order)
    # concepts.funds.csv: the three generations, oldest first.
    assert list(dict.fromkeys(r["generation"] for r in rows)) == \
        ["funds until 2013", "funds 2014-2020", "funds since 2021"]


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


def test_operators(live, http) -> None:
    """Each operator with the areas it ran, from area_operators.csv (a mandate may name two)."""
    areas, organisations = names("areas"), names("organisations")
    ran: dict[str, set[str]] = defaultdict(set)
    for mandate in table("area_operators"):
        for operator in cells(mandate["operator"]):
            ran[organisations[operator]].add(areas[ref(mandate["area"])])
    rows = run(live, http, "11-operators")
    assert {r["operator"]: set(r["names"].split(" | ")) for r in rows} == ran
    assert {r["operator"]: int(r["areas"]) for r in rows} == {o: len(a) for o, a in ran.items()}
    order = [(-int(r["areas"]), r["operator"]) for r in rows]
    assert order == sorted(order)
    # areas.csv (shared/domain): S.T.E.R.N. runs the most areas, e.g. Beusselstraße.
    assert rows[0]["operator"].startswith("S.T.E.R.N.") and "Beusselstraße" in rows[0]["names"]


def population_figures() -> dict[str, set[tuple[Decimal, str, str]]]:
    """(residents, reference date, qualifier) of every population figure per area."""
    areas, qualifiers = names("areas"), labels("value-qualifiers")
    figures: dict[str, set[tuple[Decimal, str, str]]] = defaultdict(set)
    for m in table("measurements"):
        if m["quantity"] == "population" and ref(m["subject"]) in areas:
            figures[areas[ref(m["subject"])]].add(
                (Decimal(m["value"]), m["ref_date"], qualifiers.get(m["qualifier"], "")))
    return figures


def latest(figures: set[tuple[Decimal, str, str]]) -> set[tuple[Decimal, str, str]]:
    """The figures of the latest reference date, or all of them when none is dated."""
    newest = max(date for _, date, _ in figures)
    return {f for f in figures if f[1] == newest}


def shown_population(live, http) -> tuple[list[dict[str, str]], dict[str, set]]:
    rows = run(live, http, "12-population-of-areas")
    shown: dict[str, set[tuple[Decimal, str, str]]] = defaultdict(set)
    for r in rows:
        shown[r["area"]].add((Decimal(r["residents"]), r.get("asOf", ""), r.get("qualifier", "")))
    return rows, shown


def test_population_of_areas(live, http) -> None:
    """Checked against measurements.csv: each area's latest dated figures, exactly."""
    figures = population_figures()
    rows, shown = shown_population(live, http)
    assert shown.keys() == figures.keys()
    for area, known in figures.items():
        assert {f for f in shown[area] if f[1]} == {f for f in latest(known) if f[1]}, area
        assert shown[area] <= known, area
    residents = [Decimal(r["residents"]) for r in rows]
    assert residents == sorted(residents, reverse=True)
    # shared/domain/areas.csv: Lipschitzallee/Gropiusstadt, population 24000 "approx.".
    assert (rows[0]["area"], residents[0], rows[0].get("qualifier")) == \
        ("Lipschitzallee/Gropiusstadt", Decimal("24000"), "approximate")


def test_population_of_areas_gives_one_latest_figure(live, http) -> None:
    _, shown = shown_population(live, http)
    assert shown == {area: latest(known) for area, known in population_figures().items()}


def test_quartiersrat_compositions(live, http) -> None:
    rows = run(live, http, "13-quartiersrat-compositions")
    assert any(r["members"] == "22" and r.get("residents") == "12" for r in rows)


def test_quartiersraetekongresse(live, http) -> None:
    rows = run(live, http, "14-quartiersraetekongresse")
    assert [r["date"] for r in rows][:2] == ["2010-03-20", "2014-03-21"]


def test_conflicting_sources(live, http) -> None:
    """Every caveat of kind conflict (caveats*.csv), on the record it concerns, with its name."""
    records = {name: {row["id"]: row for row in table(name)}
               for name in {p.name.split(".")[0] for p in DATA.glob("*.csv")} - {"concepts"}}

    def record(ref: str) -> tuple[str, dict[str, str]]:
        name, _, key = ref.rpartition(":")
        found = [records[name][key]] if name else \
            [rows[key] for rows in records.values() if key in rows]
        assert len(found) == 1, ref
        return key, found[0]

    expected = set()
    for caveat in table("caveats"):
        if caveat["kind"] == "conflict":
            key, row = record(caveat["subject"])
            expected.add((key, row.get("name") or row.get("title") or "", caveat["text_en"]))
    rows = run(live, http, "15-conflicting-sources")
    assert len(rows) == len(expected)
    assert {(r["thing"].rsplit("/", 1)[1], r.get("label", ""), r["conflict"])
            for r in rows} == expected
    # FACTS.md 1.3, CONFLICT: the finance page names only Land and Bund, district pages EFRE.
    assert any(r["thing"].endswith("/sozialer-zusammenhalt") for r in rows)


def test_selection_by_monitoring(live, http) -> None:
    """Every area event with a selection basis (area_events.csv), oldest first."""
    areas = names("areas")
    reports = names("monitoring_reports", "title") | names("documents", "title")
    expected = sorted((event["date"], areas[event["area"]], reports[basis])
                      for event in table("area_events") for basis in cells(event["basis"]))
    rows = run(live, http, "16-selection-by-monitoring")
    assert [(r.get("date", ""), r["area"], r["report"]) for r in rows] == expected
    # FACTS.md 1.2: early in 1999 the Senate fixed 15 areas, selected on the basis of the
    # study "Sozialorientierte Stadtentwicklung" / "Stadt-Monitoring 1997".
    first = {r["area"] for r in rows if r["date"].startswith("1999")}
    assert len(first) == 15
    assert {r["report"] for r in rows if r["area"] in first and r["date"].startswith("1999")} \
        == {"Sozialorientierte Stadtentwicklung (Stadt-Monitoring 1997)"}


def projects_by_fund() -> tuple[Counter[str], dict[str, Decimal]]:
    """Projects and the sum of their known amounts per fund name (projects.csv, funds.csv)."""
    funds = names("funds")
    count: Counter[str] = Counter()
    amount: dict[str, Decimal] = defaultdict(Decimal)
    for project in table("projects"):
        if project["fund"]:
            fund = funds[ref(project["fund"])]
            count[fund] += 1
            amount[fund] += Decimal(project["amount_eur"] or "0")
    return count, amount


def test_projects_by_fund(live, http) -> None:
    count, amount = projects_by_fund()
    rows = run(live, http, "17-projects-by-fund")
    assert {r["fund"]: int(r["projects"]) for r in rows} == count
    assert [int(r["projects"]) for r in rows] == sorted(count.values(), reverse=True)
    # A fund whose projects give no amount sums to 0 (Aktionsfonds, Netzwerkfonds).
    assert {r["fund"]: Decimal(r["knownAmountEur"]) for r in rows} == amount
    # FACTS.md 9: Kool im Kiez 153,000 + 110,000 EUR; shared projects.csv: PANKE.KLIMA
    # 95,000 EUR; the only Projektfonds projects with an amount.
    assert amount["Projektfonds"] == Decimal("153000") + Decimal("110000") + Decimal("95000")


def test_areas_and_social_monitoring(live, http) -> None:
    """Checked against the MSS 2021 table itself: Germaniagarten is Planungsraum
    07400928, so its main row carries that Planungsraum's classes."""
    with (DATA / "geo" / "mss" / "mss_2021_indizes.csv").open(encoding="utf-8") as fh:
        mss = {row["PLR_ID"]: row for row in csv.DictReader(fh)}
    rows = run(live, http, "18-areas-and-social-monitoring")
    assert len({r["area"] for r in rows}) == 9
    main = next(r for r in rows if r["area"] == "Germaniagarten")
    assert main["planungsraum"] == "Germaniagarten" and Decimal(main["shareOfArea"]) > 0
    assert main["status"] == mss["07400928"]["SI_V"]
    assert main["dynamics"] == mss["07400928"]["DI_V"]
    assert main["geometry"] == "footprint derived from LOR"
