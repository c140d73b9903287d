"""How fast could a Python SPARQL endpoint answer trivially cheap queries at all?

    .venv/bin/python bench/bench_ceiling.py [--seconds 5]

An experiment behind the verdict on issue 4's cache-miss target, not a product path.
On the curated release it measures, in one run, at concurrency 16 with distinct requests
(a counter in a trailing comment, as in bench_sparql.py), for the ASK and the
resource-lookup query of bench_sparql.py:

* ``oxigraph serve`` (the peer; Rust, no time limit);
* ``floor``: uvicorn (2 workers, uvloop, httptools) answering a constant SPARQL result
  for every request -- the cost of Python's HTTP stack alone;
* ``inline``: the same uvicorn, each request read with Kiezgraph's own protocol code and
  its query evaluated by pyoxigraph inside the HTTP worker, on the event loop: no worker
  process, no time limit, no cache -- what Kiezgraph would be without isolation;
* ``kiezgraph serve`` as shipped (queries in worker processes that can be killed).

All servers listen on 127.0.0.1 only and are stopped on exit, also on errors.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
from bench_sparql import (
    BIN,
    JSON_RESULTS,
    WRK_SCRIPT,
    Dataset,
    Server,
    child_env,
    free_port,
    prepare,
    query_text,
    request_path,
    serving,
    wrk,
)
from starlette.types import Receive, Scope, Send

HERE = Path(__file__).resolve().parent
STORE_VARIABLE = "KIEZGRAPH_CEILING_STORE"
CONSTANT = b'{"head":{},"boolean":true}'
_store = None


async def floor_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", JSON_RESULTS.encode()), (b"content-length", b"%d" % len(CONSTANT))]})
    await send({"type": "http.response.body", "body": CONSTANT})


async def inline_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Kiezgraph's request checks, then pyoxigraph in this process, on the event loop."""
    global _store
    import pyoxigraph as ox

    from sparql_api.protocol import check_query, choose_format, from_pairs

    if scope["type"] != "http":
        return
    if _store is None:
        _store = ox.Store.read_only(os.environ[STORE_VARIABLE])
    sparql = from_pairs(parse_qsl(scope["query_string"].decode("latin-1"),
                                  keep_blank_values=True), "URL")
    form = check_query(sparql.query or "", allow_service=False)
    accept = next((v.decode() for k, v in scope["headers"] if k == b"accept"), None)
    result_fmt, _ = choose_format(form, (), accept)
    out = io.BytesIO()
    _store.query(sparql.query, use_default_graph_as_union=True).serialize(
        out, format=ox.QueryResultsFormat.JSON)
    body = out.getvalue()
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", result_fmt.media_type.encode()),
        (b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


class Uvicorn(Server):
    """One of this module's ASGI callables under uvicorn with two workers."""

    def __init__(self, app: str, ds: Dataset, work: Path, store: Path):
        super().__init__(app, ds, work, 60)
        self.app, self.store = app, store

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/sparql"
        env = {**child_env(), STORE_VARIABLE: str(self.store),
               "PYTHONPATH": os.pathsep.join((str(HERE.parent), str(HERE)))}
        with (self.work / f"{self.app}.log").open("ab") as logfile:
            self.process = subprocess.Popen(
                [str(BIN / "uvicorn"), f"bench_ceiling:{self.app}", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", "2", "--loop", "uvloop", "--http",
                 "httptools", "--no-access-log", "--log-level", "warning"],
                stdout=logfile, stderr=subprocess.STDOUT, cwd=self.work, env=env,
                start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise SystemExit(f"{self.app} did not start; see {self.app}.log in the work folder")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    rows: list[tuple[str, str, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="kiezgraph-bench-ceiling-") as folder:
        work = Path(folder)
        ds = prepare("curated", work, 0)
        current = (ds.store / "CURRENT").read_text(encoding="utf-8").strip()
        release = ds.store / "releases" / current
        script = work / "bench.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        queries = ("ask-active-area", "resource-lookup")

        def measure(server: Server) -> None:
            for name in queries:
                text = query_text(name, ds.base)
                path = request_path(server.url, text, "distinct", "warm")
                wrk(script, server.url, path, "distinct", 16, 2, 60)  # warm up
                path = request_path(server.url, text, "distinct", "run")
                cell = wrk(script, server.url, path, "distinct", 16, args.seconds, 60)
                rows.append((server.name, name, cell.rps, cell.p50_ms))

        with serving("oxigraph", ds, work, 600) as server:
            measure(server)
        for app in ("floor_app", "inline_app"):
            server = Uvicorn(app, ds, work, release)
            try:
                server.start()
                measure(server)
            finally:
                server.stop()
        with serving("kiezgraph", ds, work, 600) as server:
            measure(server)
    print("distinct requests at c16, " + f"{args.seconds} s per cell; command: "
          ".venv/bin/python bench/bench_ceiling.py " + " ".join(sys.argv[1:]))
    print("| server | query | req/s | p50 ms | / oxigraph |\n|---|---|---|---|---|")
    peer = {q: rps for s, q, rps, _ in rows if s == "oxigraph"}
    for server, name, rps, p50 in rows:
        print(f"| {server} | {name} | {rps:,.0f} | {p50:.2f} | {rps / peer[name]:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
