"""The home page: what the programme is, and every entry point with its count."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ingest.executor import Job

from .. import pages

router = APIRouter()
ENTRIES = (  # href, German, English, class counted (local name under {base}/def/)
    ("/id/area", "Quartiersmanagement-Gebiete", "Neighbourhood management areas", "QMArea"),
    ("/id/area?status=active", "… davon aktiv", "… of which active", None),
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
    kg = f"{request.app.state.settings.base_iri}/def/"
    answer = request.app.state.backend.query(Job(
        f"SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?class . "
        f"FILTER(STRSTARTS(STR(?class), \"{kg}\")) }} GROUP BY ?class", "json"))
    counts = {row["class"]["value"][len(kg):]: int(row["n"]["value"])
              for row in json.loads(answer.read_all())["results"]["bindings"]}
    entries = [{"href": href, "de": de, "en": en, "count": counts.get(cls) if cls else None}
               for href, de, en, cls in ENTRIES]
    return pages.render(request, "home.html", entries=entries,
                        headers={"Cache-Control": "public, max-age=300"})
