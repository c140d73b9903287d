"""The DCAT-AP.de catalogue of a release, as a named graph of the release itself.

Catalogue, datasets that portal users look for, one distribution per real download
(size and SHA-256 from the manifest), and the SPARQL endpoint as a ``dcat:DataService``.
The publisher, contact and licence come from the settings: whoever runs the instance is
its publisher, and the default says so rather than claiming to be a Senate department.
Distributions that contain geodata keep its original attribution and licence note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef

from .config import Settings
from .downloads import FILE_TYPE, IANA, Download
from .vocab import DCT

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
EU = "http://publications.europa.eu/resource/authority/"
SKOS_IN_SCHEME = URIRef("http://www.w3.org/2004/02/skos/core#inScheme")
SKOS_PREF_LABEL = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
THEME_LABELS = {  # the EU data-theme authority table's labels (en, de)
    "ECON": ("Economy and finance", "Wirtschaft und Finanzen"),
    "ENVI": ("Environment", "Umwelt"),
    "GOVE": ("Government and public sector", "Regierung und öffentlicher Sektor"),
    "REGI": ("Regions and cities", "Regionen und Städte"),
    "SOCI": ("Population and society", "Bevölkerung und Gesellschaft"),
}
BERLIN = URIRef("http://dcat-ap.de/def/politicalGeocoding/stateKey/11")
STATE_LEVEL = URIRef("http://dcat-ap.de/def/politicalGeocoding/Level/state")
PROGRAMME_START = "1999-01-01"
GEODATA_RIGHTS = ("Enthält Geodaten des Geoportals Berlin (ALKIS Bezirke; LOR, Amt für "
                  "Statistik Berlin-Brandenburg) und des Monitorings Soziale "
                  "Stadtentwicklung (SenStadt); deren Quellen nennen keine Lizenz. "
                  "Namensnennung: Geoportal Berlin / ALKIS Berlin Bezirke; Amt für Statistik "
                  "Berlin-Brandenburg / Geoportal Berlin, LOR 2021.")


@dataclass(frozen=True)
class DatasetInfo:
    id: str
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    keywords: tuple[str, ...]
    themes: tuple[str, ...]
    landing: str  # path of the page that lists its things


DATASETS = (
    DatasetInfo("kiezgraph", "Kiezgraph: Sozialer Zusammenhalt in Berlin (gesamter Graph)",
                "Kiezgraph: Berlin's Sozialer Zusammenhalt programme (whole graph)",
                "Das Städtebauförderprogramm Sozialer Zusammenhalt (bis 2019 Soziale Stadt) "
                "mit Quartiersmanagement-Gebieten, Fonds, Gremien, Senatsverwaltungen, "
                "Projekten, Geld und Monitoring als Wissensgraph; jede Angabe mit Quelle.",
                "The urban development programme Sozialer Zusammenhalt (Soziale Stadt until "
                "2019) with its neighbourhood management areas, funds, committees, senate "
                "departments, projects, money and monitoring as a knowledge graph; every "
                "statement with its source.",
                ("Quartiersmanagement", "Sozialer Zusammenhalt", "Soziale Stadt",
                 "Städtebauförderung", "Linked Data"), ("SOCI", "REGI", "GOVE"), "/"),
    DatasetInfo("areas", "Quartiersmanagement-Gebiete mit Flächen",
                "Neighbourhood management areas with their shapes",
                "Alle Gebiete seit 1999 mit Bezirk, Status, Lebenszyklus, Träger, LOR-Bezug "
                "und – wo Quellen sie festlegen – einer aus LOR abgeleiteten Fläche.",
                "All areas since 1999 with district, status, life cycle, operators, LOR units "
                "and, where sources define it, a footprint derived from LOR.",
                ("Quartiersmanagement", "Gebiete", "LOR", "Bezirke"), ("REGI", "SOCI"),
                "/id/area"),
    DatasetInfo("funds-and-money", "Fonds, Regeln und Fördermittel",
                "Funds, their rules and the money",
                "Die Quartiersfonds und Aktionsfonds mit ihren Regeln sowie Fördermittel nach "
                "Zeitraum, Gebiet und Mittelherkunft (EU, Bund, Land Berlin).",
                "The neighbourhood and action funds with their rules, and money by period, "
                "area and source (EU, federal government, Land Berlin).",
                ("Quartiersfonds", "Aktionsfonds", "Fördermittel"), ("GOVE", "ECON"),
                "/id/fund"),
    DatasetInfo("committees", "Quartiersräte und Aktionsfondsjurys",
                "Quartiersräte and action fund juries",
                "Die Gremien der Bewohnerinnen und Bewohner je Gebiet und ihre Zusammensetzung.",
                "The residents' committees of each area and their composition.",
                ("Quartiersrat", "Aktionsfondsjury", "Beteiligung"), ("SOCI", "GOVE"),
                "/id/committee"),
    DatasetInfo("departments", "Senatsverwaltungen und Gemeinschaftsinitiative",
                "Senate departments and the Gemeinschaftsinitiative",
                "Die steuernden Senatsverwaltungen mit ihren wechselnden Namen und die "
                "ressortübergreifende Gemeinschaftsinitiative.",
                "The steering senate departments with their changing names and the "
                "cross-department Gemeinschaftsinitiative.",
                ("Senatsverwaltung", "Gemeinschaftsinitiative"), ("GOVE",), "/id/department"),
    DatasetInfo("projects", "Projekte und soziale Klimaprojekte",
                "Projects and social climate projects",
                "Geförderte Projekte in den Gebieten, darunter die seit 2021 geförderten "
                "sozialen Klimaprojekte.",
                "Funded projects in the areas, including the social climate projects funded "
                "since 2021.",
                ("Projekte", "Klimaschutz", "Projektfonds"), ("SOCI", "ENVI"), "/id/project"),
)


def catalog_iri(base: str) -> URIRef:
    return URIRef(f"{base}/catalog")


def dataset_iri(base: str, ident: str) -> URIRef:
    return URIRef(f"{base}/id/dataset/{ident}")


def _typed(g: Graph, node: URIRef, cls: URIRef) -> URIRef:
    g.add((node, RDF.type, cls))
    if str(node).startswith(EU):  # say which EU authority table the code comes from
        table = str(node)[len(EU):].split("/")[0]
        g.add((node, SKOS_IN_SCHEME, URIRef(f"{EU}{table}")))
    return node


def _publisher(g: Graph, settings: Settings) -> URIRef:
    base = settings.base_iri
    agent = URIRef(f"{base}/id/publisher/instance")
    g.add((agent, RDF.type, FOAF.Agent))
    g.add((agent, FOAF.name, Literal(settings.publisher_name, lang="de")))
    g.add((agent, FOAF.homepage, URIRef(settings.publisher_url or f"{base}/")))
    return agent


def _contact(g: Graph, settings: Settings) -> BNode:
    contact = BNode()
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(settings.publisher_name)))
    if settings.contact_email:
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{settings.contact_email}")))
    g.add((contact, VCARD.hasURL, URIRef(settings.publisher_url or f"{settings.base_iri}/")))
    return contact


def _common(g: Graph, node: URIRef, settings: Settings, agent: URIRef) -> None:
    g.add((node, DCT.publisher, agent))
    if settings.contributor_id:
        g.add((node, DCATDE.contributorID, URIRef(settings.contributor_id)))


def build_catalog(settings: Settings, release: dict[str, Any], downloads: list[Download]
                  ) -> Graph:
    base = settings.base_iri
    g = Graph()
    licence = _typed(g, URIRef(settings.licence), DCT.LicenseDocument)
    modified = Literal(datetime.fromisoformat(release["created"]).date().isoformat(),
                       datatype=XSD.date)
    agent = _publisher(g, settings)
    catalog = _typed(g, catalog_iri(base), DCAT.Catalog)
    g.add((catalog, DCT.title, Literal("Kiezgraph-Katalog", lang="de")))
    g.add((catalog, DCT.title, Literal("Kiezgraph catalogue", lang="en")))
    g.add((catalog, DCT.description, Literal(
        "Datensätze zum Berliner Programm Sozialer Zusammenhalt, veröffentlicht von einer "
        "Kiezgraph-Instanz (nicht amtlich).", lang="de")))
    g.add((catalog, DCT.description, Literal(
        "Datasets about Berlin's programme Sozialer Zusammenhalt, published by a Kiezgraph "
        "instance (not an official body).", lang="en")))
    g.add((catalog, FOAF.homepage, _typed(g, URIRef(f"{base}/"), FOAF.Document)))
    g.add((catalog, DCT.modified, modified))
    g.add((catalog, DCT.license, licence))
    for lang in ("DEU", "ENG"):
        g.add((catalog, DCT.language, _typed(g, URIRef(f"{EU}language/{lang}"),
                                             DCT.LinguisticSystem)))
    _common(g, catalog, settings, agent)
    service = _service(g, settings, agent, licence)
    g.add((catalog, DCAT.service, service))
    by_dataset: dict[str, list[Download]] = {}
    for item in downloads:
        for ident in item.datasets:
            by_dataset.setdefault(ident, []).append(item)
    for info in DATASETS:
        node = _dataset(g, settings, info, agent, licence, modified, release)
        g.add((catalog, DCAT.dataset, node))
        g.add((service, DCAT.servesDataset, node))
        for item in by_dataset.get(info.id, []):
            g.add((node, DCAT.distribution,
                   _distribution(g, settings, release, item, licence, modified)))
    return g


def _service(g: Graph, settings: Settings, agent: URIRef, licence: URIRef) -> URIRef:
    base = settings.base_iri
    service = _typed(g, URIRef(f"{base}/id/service/sparql"), DCAT.DataService)
    g.add((service, DCT.title, Literal("Kiezgraph SPARQL-Endpunkt", lang="de")))
    g.add((service, DCT.title, Literal("Kiezgraph SPARQL endpoint", lang="en")))
    g.add((service, DCT.description, Literal(
        "Lesender SPARQL-1.1-Endpunkt über alle Datensätze; Abfragen enden nach "
        f"{settings.query_timeout:g} Sekunden.", lang="de")))
    g.add((service, DCAT.endpointURL, URIRef(f"{base}/sparql")))
    g.add((service, DCAT.endpointDescription, URIRef(f"{base}/sparql")))
    g.add((service, DCT.conformsTo, _typed(g, URIRef("https://www.w3.org/TR/sparql11-protocol/"),
                                           DCT.Standard)))
    g.add((service, DCT.license, licence))
    g.add((service, DCAT.contactPoint, _contact(g, settings)))
    _common(g, service, settings, agent)
    return service


def _dataset(g: Graph, settings: Settings, info: DatasetInfo, agent: URIRef,
             licence: URIRef, modified: Literal, release: dict[str, Any]) -> URIRef:
    base = settings.base_iri
    node = _typed(g, dataset_iri(base, info.id), DCAT.Dataset)
    g.add((node, DCT.identifier, Literal(f"kiezgraph-{info.id}")))
    g.add((node, DCT.title, Literal(info.title_de, lang="de")))
    g.add((node, DCT.title, Literal(info.title_en, lang="en")))
    g.add((node, DCT.description, Literal(info.description_de, lang="de")))
    g.add((node, DCT.description, Literal(info.description_en, lang="en")))
    g.add((node, RDFS.label, Literal(info.title_de, lang="de")))
    for keyword in info.keywords:
        g.add((node, DCAT.keyword, Literal(keyword, lang="de")))
    for theme in info.themes:
        concept = _typed(g, URIRef(f"{EU}data-theme/{theme}"),
                         URIRef("http://www.w3.org/2004/02/skos/core#Concept"))
        for lang, label in zip(("en", "de"), THEME_LABELS[theme], strict=True):
            g.add((concept, SKOS_PREF_LABEL, Literal(label, lang=lang)))
        g.add((node, DCAT.theme, concept))
    g.add((node, DCT.spatial, _typed(g, BERLIN, DCT.Location)))
    g.add((node, DCATDE.politicalGeocodingURI, BERLIN))
    g.add((node, DCATDE.politicalGeocodingLevelURI, STATE_LEVEL))
    period = BNode()
    g.add((period, RDF.type, DCT.PeriodOfTime))
    g.add((period, DCAT.startDate, Literal(PROGRAMME_START, datatype=XSD.date)))
    g.add((node, DCT.temporal, period))
    g.add((node, DCT.modified, modified))
    g.add((node, DCT.accrualPeriodicity, _typed(g, URIRef(f"{EU}frequency/IRREG"),
                                                DCT.Frequency)))
    g.add((node, DCT.license, licence))
    # The landing page: the dataset's own page (with schema.org markup for crawlers),
    # which links to the list of its things.
    g.add((node, DCAT.landingPage, _typed(g, URIRef(f"{dataset_iri(base, info.id)}.html"),
                                          FOAF.Document)))
    g.add((node, RDFS.seeAlso, URIRef(f"{base}{info.landing}")))
    g.add((node, DCAT.contactPoint, _contact(g, settings)))
    provenance = BNode()
    g.add((provenance, RDF.type, DCT.ProvenanceStatement))
    g.add((provenance, RDFS.label, Literal(
        "Zusammengestellt aus öffentlichen Quellen (siehe dct:source jedes Datensatzes im "
        f"Graphen), geprüft mit SHACL; Release {release['release_id']}.", lang="de")))
    g.add((node, DCT.provenance, provenance))
    _common(g, node, settings, agent)
    return node


def _distribution(g: Graph, settings: Settings, release: dict[str, Any], item: Download,
                  licence: URIRef, modified: Literal) -> URIRef:
    base = settings.base_iri
    url = URIRef(f"{base}/download/{release['release_id']}/{item.file}")
    node = _typed(g, URIRef(f"{base}/id/distribution/{item.file}"), DCAT.Distribution)
    g.add((node, DCT.title, Literal(item.title_de, lang="de")))
    g.add((node, DCT.title, Literal(item.title_en, lang="en")))
    g.add((node, DCT.description, Literal(item.title_de, lang="de")))
    g.add((node, DCAT.accessURL, url))
    g.add((node, DCAT.downloadURL, url))
    g.add((node, DCAT.mediaType, _typed(g, URIRef(IANA + item.media_type), DCT.MediaType)))
    g.add((node, DCT["format"], _typed(g, URIRef(FILE_TYPE + item.file_type),
                                    DCT.MediaTypeOrExtent)))
    if item.compressed:
        g.add((node, DCAT.compressFormat,
               _typed(g, URIRef(IANA + "application/gzip"), DCT.MediaType)))
    g.add((node, DCAT.byteSize, Literal(str(item.byte_size),
                                       datatype=XSD.nonNegativeInteger)))
    checksum = BNode()
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, _typed(g, SPDX.checksumAlgorithm_sha256,
                                            SPDX.ChecksumAlgorithm)))
    g.add((checksum, SPDX.checksumValue, Literal(item.sha256, datatype=XSD.hexBinary)))
    g.add((node, SPDX.checksum, checksum))
    g.add((node, DCT.license, licence))
    g.add((node, DCT.modified, modified))
    if item.contains_geodata:
        rights = BNode()
        g.add((rights, RDF.type, DCT.RightsStatement))
        g.add((rights, RDFS.label, Literal(GEODATA_RIGHTS, lang="de")))
        g.add((node, DCT.rights, rights))
    if item.extra.get("csvw"):
        g.add((node, DCT.conformsTo, _typed(g, URIRef("http://www.w3.org/ns/csvw"),
                                            DCT.Standard)))
        g.add((node, RDFS.seeAlso, URIRef(f"{base}/download/{release['release_id']}/"
                                           f"{item.extra['csvw']}")))
    return node
