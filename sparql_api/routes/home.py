"""The home page: what the programme is, and every entry point with its count."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ingest.executor import Job

from .. import pages
from ..cache import etag_for, etag_matches
from ..type_index import LEFT

router = APIRouter()
ENTRIES = (  # href, German, English, class counted (local name under {base}/def/)
    ("/id/area", "Quartiersmanagement-Gebiete", "Neighbourhood management areas", "QMArea"),
    ("/id/area?status=active", "… davon aktiv", "… of which active", None),
    (f"/id/area?status={LEFT}", "… davon aus dem Programm ausgeschieden",
     "… of which have left the programme", None),
    ("/id/district", "Bezirke", "Districts", "District"),
    ("/id/fund", "Fonds und ihre Regeln", "Funds and their rules", "Fund"),
    ("/id/committee", "Quartiersräte und Aktionsfondsjurys", "Quartiersräte and juries", None),
    ("/id/department", "Senatsverwaltungen", "Senate departments", "SenateDepartment"),
    ("/id/initiative", "Gemeinschaftsinitiative", "Gemeinschaftsinitiative", None),
    ("/id/project", "Projekte", "Projects", "Project"),
    ("/id/project?climate=yes", "Soziale Klimaprojekte", "Social climate projects",
     "SocialClimateProject"),
    ("/id/cube", "Geld und Zählungen (Data Cube)", "Money and counts (Data Cube)", None),
    ("/id/monitoring-report", "Monitoring Soziale Stadtentwicklung",
     "Social urban development monitoring", "MonitoringReport"),
    ("/geo/areas.geojson", "Gebietsflächen (GeoJSON)", "Area shapes (GeoJSON)", None),
    ("/search", "Suche", "Search", None),
)


@router.get("/", summary="Home page")
def home(request: Request) -> Response:
    """The counts change only with the release: a weak ETag per release and language."""
    state = request.app.state
    tag = etag_for(state.backend.release_id(), "/", pages.language(request))
    headers = {"Cache-Control": "public, max-age=300, must-revalidate", "ETag": "W/" + tag}
    if etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers={**headers, "Vary": pages.VARY})
    kg = f"{state.settings.base_iri}/def/"
    answer = state.backend.query(Job(
        f"SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?class . "
        f"FILTER(STRSTARTS(STR(?class), \"{kg}\")) }} GROUP BY ?class", "json"))
    counts = {row["class"]["value"][len(kg):]: int(row["n"]["value"])
              for row in json.loads(answer.read_all())["results"]["bindings"]}
    entries = [{"href": href, "de": de, "en": en, "count": counts.get(cls) if cls else None}
               for href, de, en, cls in ENTRIES]
    return pages.render(request, "home.html", entries=entries, headers=headers)
