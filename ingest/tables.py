"""The curated tables in ``data/``: one declaration per CSV file.

This module is the contract between the hand-edited data, the mapping to RDF, the
ontology and the SHACL shapes. Each column names the predicate it becomes, its
value kind and whether it is required; the mapper, the reference checks and the
documentation in ``data/README.md`` all read these declarations.

Every table also has two implicit columns: ``id`` (a slug, unique within its table,
or within its scheme for concepts, that becomes the last IRI segment) and ``sources``
(one or more URLs or citations, separated by `` | ``), which become ``dct:source``.

A table may be split over several files: ``{name}.csv`` and ``{name}.{part}.csv``.
Each file becomes one named graph. References name the id of the target record;
where a column may point into several tables and an id exists in more than one of
them, write ``table:id``. Concepts are referenced as ``scheme/id`` in ``ref``
columns and by their plain id in ``concept`` columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "text",  # a literal, language-tagged if ``lang`` is set
    "date",  # YYYY, YYYY-MM or YYYY-MM-DD -> xsd:gYear, xsd:gYearMonth, xsd:date
    "year",  # YYYY -> xsd:gYear
    "decimal",
    "integer",
    "boolean",  # yes / no; "unknown" or empty leaves the statement out
    "url",  # an absolute http(s) IRI
    "ref",  # the id of a record in one of ``targets``
    "concept",  # the id of a concept of the scheme ``scheme``
    "term",  # a local name in the kg: namespace (for ontology-level resources)
]

LIST_SEPARATOR = " | "


@dataclass(frozen=True)
class Column:
    name: str
    predicate: str  # a CURIE, expanded with the release's Vocab
    kind: Kind = "text"
    required: bool = False
    multi: bool = False
    lang: str | None = None
    targets: tuple[str, ...] = ()
    scheme: str | None = None
    inverse: str | None = None  # also state (target, inverse, record)
    reverse: bool = False  # state (target, predicate, record) instead


@dataclass(frozen=True)
class Table:
    name: str  # file stem in data/
    segment: str  # IRI path segment: {base}/id/{segment}/{id}
    cls: str  # rdf:type of every record
    columns: tuple[Column, ...]
    doc: str
    type_column: str | None = None  # a concept column whose value adds a type
    type_map: dict[str, str] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _c(name: str, predicate: str, kind: Kind = "text", **kw: object) -> Column:
    return Column(name, predicate, kind, **kw)  # type: ignore[arg-type]


def _label_de(required: bool = True) -> Column:
    return _c("name", "skos:prefLabel", lang="de", required=required)


def _desc() -> Column:
    return _c("description_en", "dct:description", lang="en")


def _dates(start: str = "start", end: str = "end") -> tuple[Column, Column]:
    return _c(start, "schema:startDate", "date"), _c(end, "schema:endDate", "date")


ANY = (
    "programmes", "areas", "districts", "funds", "rules", "committees", "committee_facts",
    "departments", "units", "organisations", "initiatives", "handlungsraeume", "legislation",
    "projects", "observations", "measurements", "area_events", "area_operators", "events",
    "monitoring_reports", "documents", "concepts", "schemes", "dated_names", "area_lor",
    "intervention_levels", "periods", "places", "cubes",
)  # fmt: skip

TABLES: tuple[Table, ...] = (
    Table("schemes", "scheme", "skos:ConceptScheme", (
        _c("title_de", "dct:title", lang="de", required=True),
        _c("title_en", "dct:title", lang="en", required=True),
        _desc(),
        *_dates("valid_from", "valid_until"),
    ), "Code lists (SKOS concept schemes): fields of action, statuses, kinds, units."),
    Table("concepts", "concept", "skos:Concept", (
        _c("scheme", "skos:inScheme", "ref", targets=("schemes",), required=True),
        _c("label_de", "skos:prefLabel", lang="de", required=True),
        _c("label_en", "skos:prefLabel", lang="en", required=True),
        _c("alt_labels", "skos:altLabel", lang="de", multi=True),
        _c("notation", "skos:notation"),
        _c("definition_en", "skos:definition", lang="en"),
        _c("definition_de", "skos:definition", lang="de"),
        _c("broader", "skos:broader", "ref", targets=("concepts",), inverse="skos:narrower"),
        *_dates("valid_from", "valid_until"),
    ), "The concepts of the code lists."),
    Table("places", "place", "schema:Place", (
        _label_de(),
        _c("name_en", "skos:prefLabel", lang="en"),
        _c("same_as", "owl:sameAs", "url", multi=True),
    ), "Places that are neither districts nor QM areas (Berlin, Germany)."),
    Table("districts", "district", "kg:District", (
        _label_de(),
        _c("key", "dct:identifier", required=True),
        _c("regional_key", "kg:regionalKey"),
        _c("part_of", "dct:isPartOf", "ref", targets=("places",)),
    ), "The twelve Bezirke of Berlin."),
    Table("organisations", "organisation", "org:Organization", (
        _label_de(),
        _c("alt_names", "skos:altLabel", lang="de", multi=True),
        _c("kind", "kg:organisationKind", "concept", scheme="organisation-kinds"),
        _c("homepage", "foaf:homepage", "url"),
        _c("sub_organisation_of", "org:subOrganizationOf", "ref",
           targets=("organisations", "departments")),
        _desc(),
    ), "Operators (Träger), project bodies, the Senate and other organisations."),
    Table("departments", "department", "kg:SenateDepartment", (
        _label_de(),
        _c("abbreviation", "kg:abbreviation", required=True),
        _c("sub_organisation_of", "org:subOrganizationOf", "ref", targets=("organisations",)),
        _desc(),
    ), "Senate departments, one record per department across renamings."),
    Table("dated_names", "name", "kg:DatedName", (
        _c("of", "skosxl:altLabel", "ref", required=True, reverse=True,
           targets=("programmes", "departments", "areas", "funds", "initiatives")),
        _c("name", "skosxl:literalForm", lang="de"),
        _c("name_en", "skosxl:literalForm", lang="en"),
        _c("abbreviation", "kg:abbreviation"),
        _c("kind", "kg:nameKind", "concept", scheme="name-kinds", required=True),
        *_dates("valid_from", "valid_until"),
        _c("observed_from", "kg:observedFrom", "year"),
        _c("observed_until", "kg:observedUntil", "year"),
        _desc(),
    ), "Names over time: a renamed thing keeps its IRI and gains dated names."),
    Table("units", "unit", "org:OrganizationalUnit", (
        _label_de(),
        _c("unit_of", "org:unitOf", "ref", targets=("departments", "organisations"),
           required=True, inverse="org:hasUnit"),
        _c("observed_from", "kg:observedFrom", "year"),
        _c("observed_until", "kg:observedUntil", "year"),
        _desc(),
    ), "Units (Abteilung, Referat) of departments."),
    Table("legislation", "legal", "schema:Legislation", (
        _c("kind", "kg:legislationKind", "concept", scheme="legislation-kinds", required=True),
        _c("title", "schema:name", lang="de", required=True),
        _c("title_en", "schema:name", lang="en"),
        _c("identifier", "schema:legislationIdentifier"),
        _c("date", "schema:legislationDate", "date"),
        _c("passed_by", "schema:legislationPassedBy", "ref",
           targets=("organisations", "departments")),
        _c("proposed_by", "kg:proposedBy", "ref", multi=True,
           targets=("departments", "organisations")),
        _desc(),
    ), "Laws, articles, agreements and Senate decisions.",
        type_column="kind", type_map={"senate-decision": "kg:SenateDecision"}),
    Table("programmes", "programme", "kg:FundingProgramme", (
        _label_de(),
        _c("name_en", "skos:prefLabel", lang="en"),
        _desc(),
        *_dates(),
        _c("legal_basis", "kg:legalBasis", "ref", targets=("legislation",), multi=True),
        _c("lead_department", "kg:leadDepartment", "ref", targets=("departments",)),
        _c("part_of", "dct:isPartOf", "ref", targets=("programmes",)),
        _c("funding_sources", "kg:fundingSource", "concept", scheme="funding-sources",
           multi=True),
        _c("fields_of_action", "kg:fieldsOfAction", "ref", targets=("schemes",), multi=True),
        _c("homepage", "foaf:homepage", "url"),
    ), "Funding programmes: Sozialer Zusammenhalt and the programmes around it."),
    Table("areas", "area", "kg:QMArea", (
        _label_de(),
        _c("alt_names", "skos:altLabel", lang="de", multi=True),
        _c("district", "kg:district", "ref", targets=("districts",), required=True),
        _c("ortsteil", "kg:ortsteil", lang="de", multi=True),
        *_dates(),
        _c("status", "kg:status", "concept", scheme="area-status", required=True),
        _c("successor", "dct:isReplacedBy", "ref", targets=("areas",), multi=True,
           inverse="dct:replaces"),
        _c("follow_up", "kg:followUp", "ref", targets=("programmes", "organisations"),
           multi=True),
        _c("follow_up_en", "kg:followUpDescription", lang="en"),
        _c("planned_end", "kg:plannedEnd", "year"),
        _c("website", "foaf:homepage", "url"),
        _c("location_en", "kg:locationDescription", lang="en"),
        _c("programme", "kg:programme", "ref", targets=("programmes",), required=True),
        _desc(),
    ), "The QM areas, active and ended (one row per area)."),
    Table("area_events", "area-event", "kg:AreaEvent", (
        _c("area", "kg:area", "ref", targets=("areas",), required=True,
           inverse="kg:lifeCycleEvent"),
        _c("kind", "kg:eventKind", "concept", scheme="area-event-kinds", required=True),
        *_dates("date", "end_date"),
        _c("decision", "kg:decision", "ref", targets=("legislation",)),
        _c("successor", "kg:successor", "ref", targets=("areas",)),
        _c("basis", "kg:selectionBasis", "ref", targets=("monitoring_reports", "documents"),
           multi=True),
        _desc(),
    ), "The life cycle of areas: designation, extension, reduction, merger, Verstetigung, end."),
    Table("area_operators", "mandate", "kg:OperatorMandate", (
        _c("area", "kg:area", "ref", targets=("areas",), required=True,
           inverse="kg:operatorMandate"),
        _c("operator", "kg:operator", "ref", targets=("organisations",), multi=True,
           required=True),
        *_dates(),
        _c("period_as_stated", "kg:periodAsStated", lang="en"),
        _desc(),
    ), "Which operator (Träger) ran which area, and when."),
    Table("measurements", "measurement", "kg:Measurement", (
        _c("subject", "kg:measurementOf", "ref", targets=("areas", "districts", "programmes"),
           required=True, inverse="kg:measurement"),
        _c("quantity", "kg:quantity", "concept", scheme="quantities", required=True),
        _c("value", "schema:value", "decimal", required=True),
        _c("unit", "kg:unit", "concept", scheme="units", required=True),
        _c("ref_date", "kg:referenceDate", "date"),
        _c("qualifier", "kg:valueQualifier", "concept", scheme="value-qualifiers"),
        _desc(),
    ), "Population, size and other figures of areas, each with its reference date."),
    Table("area_lor", "lor-coverage", "kg:LORCoverage", (
        _c("area", "kg:area", "ref", targets=("areas",), required=True,
           inverse="kg:lorCoverage"),
        _c("lor_kind", "kg:lorKind", "concept", scheme="lor-kinds", required=True),
        _c("lor_key", "kg:lorKey", required=True),
        _c("lor_name", "kg:lorName", lang="de"),
        _c("coverage", "kg:coverage", "concept", scheme="coverage", required=True),
        *_dates("valid_from", "valid_until"),
        _desc(),
    ), "The LOR units (Planungsräume, Bezirksregionen) that sources name for an area."),
    Table("intervention_levels", "intervention-level", "kg:InterventionLevelStatement", (
        _c("area", "kg:area", "ref", targets=("areas",), required=True,
           inverse="kg:interventionLevel"),
        _c("level", "kg:level", "concept", scheme="intervention-levels", required=True),
        _c("date", "schema:startDate", "date"),
        _c("as_stated", "kg:asStated", lang="de"),
        _c("stated_in", "kg:statedIn", "ref", targets=("documents",)),
        _desc(),
    ), "Intervention levels (Kategorie I-IV, starke/mittlere Intervention, Prävention)."),
    Table("funds", "fund", "kg:Fund", (
        _label_de(),
        _c("name_en", "skos:prefLabel", lang="en"),
        _c("abbreviation", "kg:abbreviation"),
        _c("generation", "kg:fundGeneration", "concept", scheme="fund-generations",
           required=True),
        *_dates("valid_from", "valid_until"),
        _c("decided_by", "kg:decidedBy", "ref", multi=True,
           targets=("concepts", "departments", "organisations")),
        _c("replaces", "dct:replaces", "ref", targets=("funds",), multi=True,
           inverse="dct:isReplacedBy"),
        _c("programme", "kg:programme", "ref", targets=("programmes",), required=True),
        _c("climate_criteria", "kg:climateCriterion", "concept", scheme="climate-criteria",
           multi=True),
        _desc(),
    ), "The Quartiersfonds of each generation."),
    Table("rules", "rule", "kg:Rule", (
        _c("subject", "kg:ruleOf", "ref", targets=("funds", "concepts", "programmes"),
           required=True, inverse="kg:rule"),
        _c("kind", "kg:ruleKind", "concept", scheme="rule-kinds", required=True),
        _c("min", "schema:minValue", "decimal"),
        _c("max", "schema:maxValue", "decimal"),
        _c("value", "schema:value", "decimal"),
        _c("unit", "kg:unit", "concept", scheme="units"),
        *_dates("valid_from", "valid_until"),
        _c("scope_area", "kg:scopeArea", "ref", targets=("areas",), multi=True),
        _c("text_en", "dct:description", lang="en", required=True),
    ), "Rules of funds, committees and the programme: thresholds, caps, terms, who decides."),
    Table("committees", "committee", "kg:Committee", (
        _c("kind", "kg:committeeKind", "concept", scheme="committee-kinds", required=True),
        _label_de(),
        _c("area", "kg:area", "ref", targets=("areas",), inverse="kg:committee"),
        _desc(),
    ), "Quartiersräte, Aktionsfondsjurys and other bodies of the areas.",
        type_column="kind", type_map={
            "quartiersrat": "kg:Quartiersrat",
            "aktionsfondsjury": "kg:Aktionsfondsjury",
            "steuerungsrunde": "kg:Steuerungsrunde",
        }),
    Table("committee_facts", "committee-fact", "kg:CommitteeFact", (
        _c("committee", "kg:committee", "ref", targets=("committees",), required=True,
           inverse="kg:committeeFact"),
        _c("kind", "kg:factKind", "concept", scheme="committee-fact-kinds", required=True),
        *_dates("date", "end_date"),
        _c("term_start", "kg:termStart", "year"),
        _c("term_end", "kg:termEnd", "year"),
        _c("members", "kg:memberCount", "integer"),
        _c("residents", "kg:residentMemberCount", "integer"),
        _c("institutions", "kg:institutionMemberCount", "integer"),
        _c("applicants", "kg:applicantCount", "integer"),
        _c("applications", "kg:applicationCount", "integer"),
        _c("approved", "kg:approvedCount", "integer"),
        _c("budget_eur", "kg:budgetEur", "decimal"),
        _desc(),
    ), "Dated facts of committees: constitution, election, member counts."),
    Table("events", "event", "kg:ProgrammeEvent", (
        _c("kind", "kg:eventKind", "concept", scheme="event-kinds", required=True),
        _c("name", "schema:name", lang="de", required=True),
        _c("ordinal", "kg:ordinal", "integer"),
        _c("motto", "kg:motto", lang="de"),
        *_dates("date", "end_date"),
        _c("location", "kg:locationDescription", lang="de"),
        _c("area", "kg:area", "ref", targets=("areas",), multi=True),
        _c("participating_areas", "kg:participatingAreaCount", "integer"),
        _c("participants", "kg:participantCount", "integer"),
        _c("organizer", "schema:organizer", "ref", targets=("departments", "organisations")),
        _desc(),
    ), "Programme events: Quartiersrätekongresse, receptions, conferences.",
        type_column="kind", type_map={
            "quartiersraetekongress": "kg:Quartiersraetekongress"}),
    Table("initiatives", "initiative", "kg:Initiative", (
        _label_de(),
        _c("name_en", "skos:prefLabel", lang="en"),
        _c("established_by", "kg:establishedBy", "ref", targets=("legislation",)),
        _c("members", "org:hasMember", "ref", targets=("departments",), multi=True),
        _c("initiators", "kg:initiator", "ref", targets=("departments",), multi=True),
        _c("lead_programme", "kg:leadProgramme", "ref", targets=("programmes",)),
        _desc(),
    ), "The Gemeinschaftsinitiative (a collaboration of Senate departments)."),
    Table("handlungsraeume", "handlungsraum", "kg:Handlungsraum", (
        _c("initiative", "kg:initiative", "ref", targets=("initiatives",), required=True,
           inverse="kg:handlungsraum"),
        _c("number", "dct:identifier"),
        _label_de(required=False),
        _c("part_of", "dct:isPartOf", "ref", targets=("handlungsraeume",),
           inverse="dct:hasPart"),
        _c("district", "kg:district", "ref", targets=("districts",), multi=True),
        _desc(),
    ), "Handlungsräume of the Gemeinschaftsinitiative."),
    Table("periods", "period", "kg:ReferencePeriod", (
        _c("label", "rdfs:label", required=True),
        _c("kind", "kg:periodKind", "concept", scheme="period-kinds", required=True),
        _c("start", "schema:startDate", "date", required=True),
        _c("end", "schema:endDate", "date", required=True),
    ), "Reference periods of money and counts (years, programme years, EU periods)."),
    Table("cubes", "cube", "qb:DataSet", (
        _c("title_de", "dct:title", lang="de", required=True),
        _c("title_en", "dct:title", lang="en", required=True),
        _c("structure", "qb:structure", "term", required=True),
        _desc(),
    ), "Data Cube data sets (their structures are defined in the ontology)."),
    Table("observations", "observation", "qb:Observation", (
        _c("cube", "qb:dataSet", "ref", targets=("cubes",), required=True),
        _c("period", "sdmx-dimension:refPeriod", "ref", targets=("periods",), required=True),
        _c("ref_area", "sdmx-dimension:refArea", "ref", required=True,
           targets=("areas", "districts", "places", "handlungsraeume")),
        _c("funding_source", "kg:fundingSource", "concept", scheme="funding-sources"),
        _c("fund", "kg:fund", "ref", targets=("funds", "concepts")),
        _c("counted", "kg:countedThing", "concept", scheme="counted-things"),
        _c("amount_eur", "kg:amountEur", "decimal"),
        _c("count", "kg:count", "integer"),
        _c("qualifier", "kg:valueQualifier", "concept", scheme="value-qualifiers"),
        _c("as_of", "kg:referenceDate", "date"),
        _desc(),
    ), "Money and counts as Data Cube observations."),
    Table("monitoring_reports", "monitoring-report", "kg:MonitoringReport", (
        _c("title", "schema:name", lang="de", required=True),
        _c("kind", "kg:reportKind", "concept", scheme="report-kinds", required=True),
        _c("edition", "kg:edition", "year"),
        _c("method", "kg:method", "concept", scheme="mss-methods"),
        _c("data_as_of", "kg:dataAsOf", "date"),
        _c("dynamics_from", "kg:dynamicsFrom", "date"),
        _c("dynamics_to", "kg:dynamicsTo", "date"),
        _c("planungsraum_count", "kg:planungsraumCount", "integer"),
        _c("url", "schema:url", "url"),
        _desc(),
    ), "Reports of the Monitoring Soziale Stadtentwicklung and earlier studies."),
    Table("documents", "document", "kg:Document", (
        _c("kind", "kg:documentKind", "concept", scheme="document-kinds", required=True),
        _c("title", "dct:title", lang="de", required=True),
        _c("area", "kg:area", "ref", targets=("areas",), multi=True),
        _c("publisher", "dct:publisher", "ref", targets=("organisations", "departments")),
        _c("issued", "dct:issued", "date"),
        *_dates("period_start", "period_end"),
        _c("url", "schema:url", "url"),
        _desc(),
    ), "IHEKs, brochures, guides, evaluations and rule books.",
        type_column="kind", type_map={"ihek": "kg:IHEK"}),
    Table("projects", "project", "kg:Project", (
        _label_de(),
        _c("kind", "kg:projectKind", "concept", scheme="project-kinds", required=True),
        _c("area", "kg:area", "ref", targets=("areas",), multi=True),
        _c("area_as_stated", "kg:areaAsStated", lang="en"),
        _c("fund", "kg:fund", "ref", targets=("funds",)),
        _c("fund_as_stated", "kg:fundAsStated"),
        _c("programme", "kg:programme", "ref", targets=("programmes",)),
        *_dates(),
        _c("amount_eur", "kg:amountEur", "decimal"),
        _c("amount_qualifier", "kg:valueQualifier", "concept", scheme="value-qualifiers"),
        _c("operator", "kg:operator", "ref", targets=("organisations",), multi=True),
        _c("operator_as_stated", "kg:operatorAsStated"),
        _c("climate_related", "kg:climateRelated", "boolean"),
        _c("fields_of_action", "kg:fieldOfAction", "concept", scheme=None, multi=True),
        _c("summary_en", "dct:description", lang="en", required=True),
    ), "Example projects, social climate projects among them.",
        type_column="kind", type_map={
            "social-climate-project": "kg:SocialClimateProject"}),
    Table("caveats", "caveat", "kg:Caveat", (
        _c("subject", "kg:caveatOn", "ref", targets=ANY, required=True, inverse="kg:caveat"),
        _c("kind", "kg:caveatKind", "concept", scheme="caveat-kinds", required=True),
        _c("text_en", "rdfs:comment", lang="en", required=True),
    ), "Conflicts between sources and uncertainties, kept visible on the records."),
)  # fmt: skip

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def reference_markdown() -> str:
    """The table reference of data/README.md, generated so that it never drifts."""
    lines = ["<!-- generated by `python -m ingest.tables`; do not edit by hand -->"]
    for table in TABLES:
        iris = "{base}/id/{scheme}/{id}" if table.name == "concepts" else \
            f"{{base}}/id/{table.segment}/{{id}}"
        lines += ["", f"### `{table.name}` → `{table.cls}`, IRIs `{iris}`",
                  "", table.doc, "", "| column | becomes | kind | required |",
                  "|---|---|---|---|"]
        for column in table.columns:
            kind = column.kind
            if column.kind == "ref":
                kind = "ref → " + ", ".join(column.targets) if len(column.targets) < 6 \
                    else "ref → any table"
            elif column.kind == "concept":
                kind = f"concept of `{column.scheme}`" if column.scheme else "concept (scheme/id)"
            if column.lang:
                kind += f" @{column.lang}"
            if column.multi:
                kind += ", list"
            becomes = ("^" if column.reverse else "") + column.predicate
            lines.append(f"| `{column.name}` | `{becomes}` | {kind} | "
                         f"{'yes' if column.required else ''} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference_markdown(), end="")  # noqa: T201
