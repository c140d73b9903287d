"""``GET /sparql`` without a query: the service description, or the query page.

Queries themselves are answered by ``sparql_api.endpoint``, which sits in front of the
application and hands everything else on to it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import description
from ..conneg import negotiate
from ..errors import BadRequest, NotAcceptable
from ..formats import GRAPH_FORMATS, HTML, offered
from ..protocol import from_pairs

router = APIRouter()


@router.get("/sparql",
                  summary="SPARQL service description (RDF) or query page (HTML); queries "
                  "go to GET/POST /sparql with 'query' as in the SPARQL 1.1 Protocol")
def service_description(request: Request) -> Response:
    """RDF for programs (Turtle when nothing is asked for), the query page for browsers."""
    # ?lang= chooses the page's language (app-wide check); the rest is SPARQL Protocol
    asked = from_pairs([(k, v) for k, v in request.query_params.multi_items() if k != "lang"],
                       "URL")  # unknown: 400
    if asked.query is not None:  # "?query" without a value (with one, the endpoint answers)
        raise BadRequest("the 'query' parameter is empty")
    if asked.has_dataset:
        raise BadRequest("default-graph-uri and named-graph-uri go with a query; the "
                         "'query' parameter is missing")
    accept = request.headers.get("accept")
    fmt = negotiate(accept, (*GRAPH_FORMATS, HTML)) if accept else GRAPH_FORMATS[0]
    if fmt is None:
        raise NotAcceptable("the service description is offered as: "
                            f"{offered((*GRAPH_FORMATS, HTML))}")
    if fmt is HTML:
        return description.query_page(request)
    return description.service_description(request, fmt)
