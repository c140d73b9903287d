"""``GET /sparql?query=...``: SPARQL results as JSON (graphs as Turtle) over all graphs.

The full SPARQL 1.1 Protocol (POST, content negotiation, timeouts) builds on this.
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ..deps import BackendDep, SettingsDep
from ..errors import BadRequest

router = APIRouter()


@router.get("/sparql", summary="Run a SPARQL query over the union of all named graphs")
def sparql_get(
    backend: BackendDep,
    settings: SettingsDep,
    query: str | None = Query(None, description="the SPARQL query"),
) -> Response:
    if query is None or not query.strip():
        raise BadRequest("missing the 'query' parameter: send GET /sparql?query=<SPARQL query>")
    answer = backend.query(query, "json", "turtle")
    return Response(answer.body, media_type=answer.media_type)
