"""``/sparql``: the SPARQL 1.1 Protocol for queries (GET, POST form, POST direct).

Without a query, GET answers with the service description (RDF) or, for browsers, the
query page. Queries run over the union of all named graphs unless the request or the
query names a dataset. An answer is sent once it is complete (large ones wait in a
temporary file, not in memory), so it is never cut off silently; identical requests
are answered from the cache, or with 304, while the release is the same.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ingest.executor import CHUNK, Job

from .. import description
from ..cache import etag_for, etag_matches
from ..conneg import negotiate
from ..errors import BadRequest, NotAcceptable, ResultTooLarge
from ..formats import GRAPH_FORMATS, HTML, offered
from ..protocol import SparqlRequest, check_query, choose_format, from_pairs, from_post

router = APIRouter()
CACHE_CONTROL = "public, max-age=60, must-revalidate"
SPOOL_IN_MEMORY = 8 * 1024 * 1024


def _headers(etag: str, release_id: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept, Accept-Encoding",
            "X-Kiezgraph-Release": release_id}


def _content_type(media_type: str) -> str:
    text = media_type.startswith("text/") or media_type.endswith(("json", "xml"))
    return f"{media_type}; charset=utf-8" if text else media_type


def _answer(request: Request, sparql: SparqlRequest) -> Response:
    state = request.app.state
    if sparql.query is None:
        return _service_description(request)
    form = check_query(sparql.query, state.settings.allow_service)
    result_fmt, graph_fmt = choose_format(form, sparql.format, request.headers.get("accept"))
    backend = state.backend
    release_id = backend.release_id()
    chosen = graph_fmt if form in ("CONSTRUCT", "DESCRIBE") else result_fmt
    etag = etag_for(release_id, sparql.query, "|".join(sparql.default_graphs),
                    "|".join(sparql.named_graphs), result_fmt.name, graph_fmt.name)
    headers = _headers(etag, release_id)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    cached = state.cache.get(etag)
    if cached is not None:
        return Response(cached[1], headers={**headers, "Content-Type": _content_type(cached[0])})
    job = Job(sparql.query, result_fmt.name, graph_fmt.name,
              sparql.default_graphs if sparql.has_dataset else None,
              sparql.named_graphs if sparql.has_dataset else None,
              base_iri=f"{state.settings.base_iri}/sparql")  # relative IRIs: the endpoint
    answer = backend.query(job)
    media_type = answer.media_type or chosen.media_type
    headers["Content-Type"] = _content_type(media_type)
    spool = _spool(answer.chunks(), state.settings.max_result_bytes)
    size = spool.tell()
    spool.seek(0)
    if size <= state.cache.max_entry:
        body = spool.read()
        spool.close()
        state.cache.put(etag, media_type, body)
        return Response(body, headers=headers)
    headers["Content-Length"] = str(size)
    return StreamingResponse(_read_spool(spool), headers=headers)


def _spool(chunks: Iterator[bytes], limit: int) -> BinaryIO:
    """Collect the whole answer before anything is sent: a client gets a complete answer
    or a clear error, never a truncated one. Beyond 8 MB the answer waits on disk."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    try:
        for chunk in chunks:
            spool.write(chunk)
            if spool.tell() > limit:
                raise ResultTooLarge(
                    f"the answer is larger than {limit // (1024 * 1024)} MiB and was stopped; "
                    "add a LIMIT or select fewer variables")
    except BaseException:
        spool.close()
        chunks.close()  # type: ignore[attr-defined]
        raise
    return spool  # type: ignore[return-value]


def _read_spool(spool: BinaryIO) -> Iterator[bytes]:
    with spool:
        while block := spool.read(CHUNK):
            yield block


def _service_description(request: Request) -> Response:
    """RDF for programs (Turtle when nothing is asked for), the query page for browsers."""
    accept = request.headers.get("accept")
    fmt = negotiate(accept, (*GRAPH_FORMATS, HTML)) if accept else GRAPH_FORMATS[0]
    if fmt is None:
        raise NotAcceptable("the service description is offered as: "
                            f"{offered((*GRAPH_FORMATS, HTML))}")
    if fmt is HTML:
        return description.query_page(request)
    return description.service_description(request, fmt)


@router.api_route("/sparql", methods=["GET", "HEAD"], summary="SPARQL query (GET)")
def sparql_get(request: Request) -> Response:
    return _answer(request, from_pairs(list(request.query_params.multi_items()), "URL"))


@router.post("/sparql", summary="SPARQL query (POST form or application/sparql-query)")
async def sparql_post(request: Request) -> Response:
    body = await request.body()
    sparql = from_post(request.headers.get("content-type"), body, request.url.query)
    if sparql.query is None:
        raise BadRequest("missing the 'query' parameter (form field, or the body of an "
                         "application/sparql-query request)")
    return await run_in_threadpool(_answer, request, sparql)
