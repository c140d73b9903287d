"""Linked-data lookups: Kiezgraph dereferencing against ``oxigraph serve`` DESCRIBE.

    .venv/bin/python bench/bench_linked_data.py [--seconds 5] [--resources 500]

Same data for both (the curated release, dumped and loaded into oxigraph), measured in
the same run, one server at a time on 127.0.0.1, with wrk at concurrency 1 and 16.
Every request picks the next of a fixed random sample of resources: Kiezgraph serves
``/id/...`` as Turtle and as HTML, and once more with the ETag of each resource
(``If-None-Match``, answered with 304); oxigraph answers ``DESCRIBE <iri>`` as Turtle.

Kiezgraph keeps complete answers per release (the response memo), so the wrk cells
measure repeated lookups of the sample. The first request for each resource is measured
on its own before them ("first", one client in sequence, from a fresh server): that is
the cost of building a description from the store. Each HTTP worker process has a memo
of its own, and the first-visit client reaches only one of them; so an unrecorded wrk
pass at concurrency 16 (as long as a cell) runs before the recorded cells, as a server
that has been up for a while would be. Both servers are stopped on exit, also on errors.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx
from bench_sparql import CURATED_BASE, prepare, serving

WRK_SCRIPT = """
local lines, i = {}, 0
function init(args)
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
end
function request()
  i = i % #lines + 1
  local path, etag = lines[i]:match("([^\\t]+)\\t?(.*)")
  local headers = {}
  headers["Accept"] = wrk.headers["Accept"]
  if etag ~= "" then headers["If-None-Match"] = etag end
  return wrk.format("GET", path, headers)
end
function done(summary, latency, requests)
  io.write(string.format('BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, '
    .. '"p99_us": %d, "errors": %d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.status
    + summary.errors.timeout))
end
"""


def sample(url: str, count: int) -> list[str]:
    """A fixed random sample of the subjects under the base (IRIs)."""
    query = (f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && '
             f'STRSTARTS(STR(?s), "{CURATED_BASE}/id/")) }} ORDER BY ?s')
    rows = httpx.get(url, params={"query": query}, timeout=120,
                     headers={"Accept": "application/sparql-results+json"}).json()
    iris = [r["s"]["value"] for r in rows["results"]["bindings"]]
    return random.Random(20261127).sample(iris, min(count, len(iris)))  # noqa: S311


def first_visits(base_url: str, paths: list[str], accept: str) -> tuple[dict[str, float],
                                                                       list[str]]:
    """Each path once, in sequence, on a fresh server: req/s, p50/p99, and the ETags."""
    latencies, etags = [], []
    with httpx.Client(headers={"Accept": accept}, timeout=60) as client:
        start = time.perf_counter()
        for path in paths:
            began = time.perf_counter()
            response = client.get(base_url + path)
            latencies.append(time.perf_counter() - began)
            response.raise_for_status()
            etags.append(response.headers["etag"])
        total = time.perf_counter() - start
    latencies.sort()
    return ({"rps": len(paths) / total, "p50": latencies[len(latencies) // 2] * 1000,
             "p99": latencies[int(len(latencies) * 0.99)] * 1000, "errors": 0}, etags)


def check_not_modified(base_url: str, paths: list[str], etags: list[str]) -> None:
    """The 304 cell measures what it says: every path with its ETag answers 304 (wrk
    would count a 200 just as well)."""
    with httpx.Client(headers={"Accept": "text/turtle"}, timeout=60) as client:
        for path, etag in zip(paths, etags, strict=True):
            status = client.get(base_url + path, headers={"If-None-Match": etag}).status_code
            if status != 304:
                raise SystemExit(f"{path} with If-None-Match {etag} answered {status}, not 304")


def run_wrk(script: Path, base_url: str, lines: Path, accept: str, concurrency: int,
            seconds: int) -> dict[str, float]:
    out = subprocess.run(["wrk", f"-t{min(concurrency, 2)}", f"-c{concurrency}",
                          f"-d{seconds}s", "--timeout=30s", "-H", f"Accept: {accept}",
                          "-s", str(script), base_url, "--", str(lines)],
                         capture_output=True, text=True, timeout=seconds + 90, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH "))
    data = json.loads(line.removeprefix("BENCH "))
    return {"rps": data["requests"] / (data["duration_us"] / 1e6),
            "p50": data["p50_us"] / 1000, "p99": data["p99_us"] / 1000,
            "errors": data["errors"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--resources", type=int, default=500)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="kiezgraph-bench-ld-") as folder:
        work = Path(folder)
        ds = prepare("curated", work, 0)
        script = work / "ld.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        with serving("kiezgraph", ds, work, 600) as server:
            base_url = server.url.rsplit("/", 1)[0]
            iris = sample(server.url, args.resources)
            paths = [quote(iri[len(CURATED_BASE):], safe="/-._~") for iri in iris]
            plain = work / "kiezgraph.txt"
            plain.write_text("".join(p + "\n" for p in paths), encoding="utf-8")
            results["kiezgraph turtle first c1"], etags = first_visits(base_url, paths,
                                                                       "text/turtle")
            results["kiezgraph html first c1"], _ = first_visits(base_url, paths, "text/html")
            check_not_modified(base_url, paths, etags)
            cached = work / "kiezgraph-etag.txt"
            cached.write_text("".join(f"{p}\t{e}\n" for p, e in zip(paths, etags, strict=True)),
                              encoding="utf-8")
            for accept in ("text/turtle", "text/html"):  # warm-up, not recorded
                run_wrk(script, base_url, plain, accept, 16, args.seconds)
            for c in (1, 16):
                results[f"kiezgraph turtle c{c}"] = run_wrk(script, base_url, plain,
                                                            "text/turtle", c, args.seconds)
                results[f"kiezgraph html c{c}"] = run_wrk(script, base_url, plain,
                                                          "text/html", c, args.seconds)
                results[f"kiezgraph turtle 304 c{c}"] = run_wrk(
                    script, base_url, cached, "text/turtle", c, args.seconds)
        with serving("oxigraph", ds, work, 600) as server:
            base_url = server.url.rsplit("/", 1)[0]
            describe = work / "oxigraph.txt"
            describe.write_text("".join(
                "/query?query=" + quote(f"DESCRIBE <{iri}>", safe="") + "\n" for iri in iris),
                encoding="utf-8")
            for c in (1, 16):
                results[f"oxigraph DESCRIBE turtle c{c}"] = run_wrk(
                    script, base_url, describe, "text/turtle", c, args.seconds)
    print(f"linked-data lookups, {len(iris)} resources sampled at random, "
          f"{args.seconds} s per cell, command: .venv/bin/python bench/bench_linked_data.py "
          + " ".join(sys.argv[1:]))
    print("| cell | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{r['errors']:.0f} |")
    for c in (1, 16):
        ox = results[f"oxigraph DESCRIBE turtle c{c}"]["rps"]
        for kind in ("turtle", "html", "turtle 304") + (("turtle first", "html first")
                                                        if c == 1 else ()):
            kg = results[f"kiezgraph {kind} c{c}"]["rps"]
            print(f"c{c} kiezgraph {kind} / oxigraph DESCRIBE: {kg / ox:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
