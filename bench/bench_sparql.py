"""SPARQL endpoint benchmark: Kiezgraph against ``oxigraph serve`` and rdflib-endpoint.

    .venv/bin/python bench/bench_sparql.py                          # curated + ~1M synthetic
    .venv/bin/python bench/bench_sparql.py --datasets curated --seconds 3

Needs ``wrk`` (Debian: ``apt-get install wrk``) and ``rdflib-endpoint`` in the venv
(``.venv/bin/pip install rdflib-endpoint``); ``oxigraph`` comes with the test extras.

For each dataset (the curated graph, and a synthetic graph of about ``--synthetic``
triples generated in a temporary folder as in bench_ingest.py) it publishes a Kiezgraph
release, dumps that release's quads with pyoxigraph, and serves the same quads three
ways, one server at a time, all on 127.0.0.1 only:

* ``kiezgraph serve --no-ingest`` (embedded store, default settings),
* ``oxigraph serve-read-only --union-default-graph`` over ``oxigraph load`` of the dump,
* ``rdflib-endpoint serve`` of the dump (an rdflib Dataset with the union default graph).

Every server first answers every query once and must give Kiezgraph's row count. Then
``wrk`` sends GET requests (``Accept: application/sparql-results+json``) for a bounded
time per cell, at concurrency 1 and 16, in two modes: ``distinct`` (each request's text
differs by a trailing comment with a counter, so Kiezgraph's answer cache never hits
and rdflib-endpoint's parsed-query cache neither) and ``repeated`` (identical requests
after one priming request: Kiezgraph answers them from its cache). wrk stops at the end
of a cell, but every server keeps working on the requests it had accepted; so after
each cell the server's process group must fall idle (by its CPU time in /proc) and
answer a trivial query before the next cell starts, or it is restarted. Every server is
stopped on exit, also on errors.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

import httpx
from bench_ingest import SYNTHETIC_BASE, make_synthetic

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CURATED_BASE = "http://127.0.0.1:8000"
JSON_RESULTS = "application/sparql-results+json"
TRIVIAL = "ASK { }"
SERVERS = ("kiezgraph", "oxigraph", "rdflib-endpoint")
MODES = ("distinct", "repeated")

PREFIXES = """PREFIX kg: <{base}/def/>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
QUERIES = {
    "areas-per-district": """SELECT ?district ?name (COUNT(?area) AS ?areas) WHERE {
  ?area a kg:QMArea ; kg:district ?district . ?district skos:prefLabel ?name
} GROUP BY ?district ?name ORDER BY ?district ?name""",
    "resource-lookup": """SELECT ?p ?o WHERE { <{base}/id/area/badstrasse> ?p ?o }""",
    "observation-join": """SELECT ?obs ?area ?district ?amount WHERE {
  ?obs a qb:Observation ; sdmx-dimension:refArea ?area ; kg:amountEur ?amount .
  ?area a kg:QMArea ; kg:district ?district .
  FILTER(?amount >= 10000 && ?amount < 10500)
}""",
    "triples-per-class": """SELECT ?class (COUNT(*) AS ?triples) WHERE { ?s a ?class ; ?p ?o }
GROUP BY ?class ORDER BY DESC(?triples) ?class""",
    "top-projects": """SELECT ?project ?name ?amount WHERE {
  ?project a kg:Project ; skos:prefLabel ?name ; kg:amountEur ?amount
} ORDER BY DESC(?amount) ?project LIMIT 10""",
    "ask-active-area": """ASK { ?area a kg:QMArea ; kg:district <{base}/id/district/mitte> ;
  kg:status <{base}/id/area-status/active> }""",
}

# wrk script: args are the request path and the mode; in "distinct" mode every request
# appends "<thread>-<counter>" to the path, which ends inside a trailing SPARQL comment.
WRK_SCRIPT = """
local next_id = 1
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
function init(args)
  path, distinct, n = args[1], args[2] == "distinct", 0
  fixed = wrk.format("GET", path)
end
function request()
  if not distinct then return fixed end
  n = n + 1
  return wrk.format("GET", path .. tid .. "-" .. n)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, '
    .. '"p99_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, '
    .. '"timeout": %d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass
class Dataset:
    name: str
    base: str
    store: Path
    dump: Path
    oxigraph: Path
    triples: int = 0


@dataclass
class Cell:
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    note: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Results:
    rows: dict[str, int | bool | None] = field(default_factory=dict)  # "dataset/server/query"
    first_s: dict[str, float] = field(default_factory=dict)  # the check's seconds, same keys
    cells: dict[str, Cell] = field(default_factory=dict)  # "dataset/server/query/mode/c"


class Stop(Exception):
    """The benchmark was told to stop (SIGTERM)."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def query_text(name: str, base: str) -> str:
    return (PREFIXES + QUERIES[name]).replace("{base}", base)


def child_env() -> dict[str, str]:
    """Default settings for Kiezgraph: no KIEZGRAPH_ variables from the caller."""
    return {k: v for k, v in os.environ.items() if not k.startswith("KIEZGRAPH_")}


def run(cmd: list[str], timeout: float, cwd: Path) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                         env=child_env(), check=False)
    if out.returncode != 0:
        raise SystemExit(f"failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr[-2000:]}")
    return out.stdout


# -- data ---------------------------------------------------------------------------


def prepare(name: str, work: Path, synthetic: int) -> Dataset:
    """Publish a release (reused if the work folder has one), dump it, load oxigraph."""
    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    base = CURATED_BASE if name == "curated" else SYNTHETIC_BASE
    ds = Dataset(name, base, folder / "store", folder / "dump.nq", folder / "oxigraph")
    if not (ds.store / "CURRENT").exists():
        cmd = [str(BIN / "kiezgraph"), "ingest", "--store-dir", str(ds.store),
               "--base-iri", base]
        if name == "synthetic":
            data = folder / "synthetic-data"
            shutil.rmtree(data, ignore_errors=True)
            log(f"generating ~{synthetic:,} synthetic triples in {data}")
            make_synthetic(data, synthetic)
            cmd += ["--data-dir", str(data)]
        log(f"{name}: ingesting (this validates with SHACL; ~4 min for 1M triples)")
        t0 = time.perf_counter()
        run(cmd, timeout=3600, cwd=folder)
        log(f"{name}: ingested in {time.perf_counter() - t0:.0f} s")
    release = (ds.store / "CURRENT").read_text(encoding="utf-8").strip()
    meta = json.loads((ds.store / "releases" / f"{release}.json").read_text(encoding="utf-8"))
    ds.triples = int(meta["triples"])
    if not ds.dump.exists():
        import pyoxigraph as ox

        store = ox.Store.read_only(str(ds.store / "releases" / release))
        store.dump(str(ds.dump) + ".part", format=ox.RdfFormat.N_QUADS)
        del store
        os.replace(str(ds.dump) + ".part", ds.dump)
    if not (ds.oxigraph / "CURRENT").exists():
        shutil.rmtree(ds.oxigraph, ignore_errors=True)
        run([str(BIN / "oxigraph"), "load", "--location", str(ds.oxigraph),
             "--file", str(ds.dump)], timeout=1800, cwd=folder)
    return ds


# -- servers ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(name: str, ds: Dataset, port: int) -> tuple[list[str], str]:
    if name == "kiezgraph":
        return ([str(BIN / "kiezgraph"), "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--store-dir", str(ds.store), "--base-iri", ds.base, "--no-ingest"],
                f"http://127.0.0.1:{port}/sparql")
    if name == "oxigraph":
        return ([str(BIN / "oxigraph"), "serve-read-only", "--location", str(ds.oxigraph),
                 "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                f"http://127.0.0.1:{port}/query")
    return ([str(BIN / "rdflib-endpoint"), "serve", str(ds.dump), "--host", "127.0.0.1",
             "--port", str(port)], f"http://127.0.0.1:{port}/")


class Server:
    """One server process (in a session of its own) that can be stopped and restarted."""

    def __init__(self, name: str, ds: Dataset, work: Path, load_timeout: float):
        self.name, self.ds, self.work, self.load_timeout = name, ds, work, load_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        cmd, self.url = server_command(self.name, self.ds, free_port())
        with (self.work / f"{self.ds.name}-{self.name}.log").open("ab") as logfile:
            self.process = subprocess.Popen(cmd, stdout=logfile, stderr=subprocess.STDOUT,
                                            cwd=self.work, env=child_env(),
                                            start_new_session=True)
        t0 = time.perf_counter()
        deadline = time.monotonic() + self.load_timeout
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}; see "
                                 f"{self.ds.name}-{self.name}.log in the work folder")
            with contextlib.suppress(httpx.HTTPError):
                if ask(self.url, 5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.name} did not answer within {self.load_timeout:.0f} s")
            time.sleep(0.5)
        log(f"{self.ds.name}: {self.name} ready in {time.perf_counter() - t0:.1f} s")

    def stop(self) -> None:
        """Stop the whole process group (the server and any workers it started)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's process group (Linux /proc)."""
        if self.process is None:
            return 0.0
        ticks = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == self.process.pid:  # the process group's id
                ticks += int(fields[11]) + int(fields[12])  # utime + stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def settle(self, timeout: float) -> bool:
        """Wait until the server is idle: abandoned requests of a cell still run after
        wrk stops, on every server. False if it stayed busy for ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - before < 0.05:  # under 10 % of one core
                with contextlib.suppress(httpx.HTTPError):
                    return ask(self.url, max(1.0, deadline - time.monotonic())
                               ).status_code == 200
                return False
            before = now
        return False

    def settle_or_restart(self, timeout: float) -> str:
        if self.settle(timeout):
            return ""
        log(f"  {self.name} still busy after {timeout:.0f} s: restarting it")
        self.stop()
        self.start()
        return f"busy > {timeout:.0f} s after the cell, restarted"


@contextlib.contextmanager
def serving(name: str, ds: Dataset, work: Path, load_timeout: float) -> Iterator[Server]:
    server = Server(name, ds, work, load_timeout)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def ask(url: str, timeout: float, query: str = TRIVIAL) -> httpx.Response:
    return httpx.get(url, params={"query": query}, headers={"Accept": JSON_RESULTS},
                     timeout=timeout)


def answer_size(response: httpx.Response) -> int | bool:
    data = response.json()
    return bool(data["boolean"]) if "boolean" in data else len(data["results"]["bindings"])


# -- measuring ----------------------------------------------------------------------


def wrk(script: Path, url: str, path: str, mode: str, concurrency: int, seconds: int,
        timeout: int) -> Cell:
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    cmd = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", f"--timeout={timeout}s",
           "-H", f"Accept: {JSON_RESULTS}", "-s", str(script), url, "--", path, mode]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + timeout + 60,
                         check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH "))
    data = json.loads(line.removeprefix("BENCH "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    cell = Cell(data["requests"], data["duration_us"] / 1e6, data["p50_us"] / 1000,
                data["p99_us"] / 1000, errors)
    if errors:
        cell.note = ", ".join(f"{data[k]} {k}" for k in ("connect", "read", "write",
                                                         "status", "timeout") if data[k])
    return cell


def request_path(url: str, text: str, mode: str, token: str) -> str:
    path = "/" + url.split("/", 3)[3]
    if mode == "distinct":
        text += f"\n# bench {token} "
    return f"{path}?query={quote(text, safe='')}"


def check(server: Server, ds: Dataset, queries: list[str], results: Results,
          timeout: float, drain_timeout: float) -> dict[str, float]:
    """Ask every query once; return the seconds each took (a failed one is left out)."""
    took: dict[str, float] = {}
    for name in queries:
        key = f"{ds.name}/{server.name}/{name}"
        t0 = time.perf_counter()
        try:
            response = ask(server.url, timeout, query_text(name, ds.base))
        except httpx.TimeoutException:
            results.rows[key] = None
            log(f"  {server.name} {name}: no answer within {timeout:.0f} s")
            server.settle_or_restart(drain_timeout)
            continue
        took[name] = results.first_s[key] = time.perf_counter() - t0
        if response.status_code != 200:
            raise SystemExit(f"{server.name} answered {response.status_code} to {name}: "
                             f"{response.text[:500]}")
        results.rows[key] = answer_size(response)
        expected = results.rows.get(f"{ds.name}/kiezgraph/{name}")
        if expected is not None and results.rows[key] != expected:
            raise SystemExit(f"{server.name} gives {results.rows[key]} rows for {name} on "
                             f"{ds.name}, Kiezgraph {expected}")
        log(f"  {server.name} {name}: {results.rows[key]} ({took[name] * 1000:.1f} ms)")
    return took


def prime(server: Server, text: str, args: argparse.Namespace) -> None:
    """Ask the query once more right before the repeated cells: the distinct cells may
    have pushed its answer out of Kiezgraph's cache, and "repeated" is meant to measure
    identical requests in the steady state (a first, uncached answer is a distinct one)."""
    with contextlib.suppress(httpx.TimeoutException):
        ask(server.url, args.check_timeout, text)
    server.settle_or_restart(args.drain_timeout)


def bench_server(server: Server, ds: Dataset, args: argparse.Namespace, script: Path,
                 results: Results) -> None:
    took = check(server, ds, args.queries, results, args.check_timeout, args.drain_timeout)
    token = secrets.token_hex(4)
    warm = request_path(server.url, query_text("resource-lookup", ds.base), "distinct",
                        token + "-warm")
    wrk(script, server.url, warm, "distinct", 16, 2, args.request_timeout)  # start workers
    server.settle_or_restart(args.drain_timeout)
    for name in args.queries:
        for mode in MODES:
            for concurrency in (1, 16):
                key = f"{ds.name}/{server.name}/{name}/{mode}/{concurrency}"
                if name not in took:
                    results.cells[key] = Cell(note="no answer in the check")
                    continue
                slow = took[name] > args.slow_threshold
                seconds = args.slow_seconds if slow else args.seconds
                if mode == "repeated" and concurrency == 1:
                    prime(server, query_text(name, ds.base), args)
                path = request_path(server.url, query_text(name, ds.base), mode,
                                    f"{token}-{mode}-{concurrency}")
                cell = wrk(script, server.url, path, mode, concurrency, seconds,
                           args.request_timeout)
                cell.note = "; ".join(x for x in (cell.note, server.settle_or_restart(
                    args.drain_timeout)) if x)
                results.cells[key] = cell
                log(f"  {server.name} {name} {mode} c{concurrency}: {cell.rps:,.1f} req/s, "
                    f"p50 {cell.p50_ms:.2f} ms, p99 {cell.p99_ms:.2f} ms, "
                    f"n {cell.requests} {cell.note}")


# -- report -------------------------------------------------------------------------


def fmt_rps(cell: Cell | None) -> str:
    if cell is None:
        return "–"
    if not cell.requests:
        return f"0 in {cell.seconds:.0f} s" if cell.seconds else cell.note or "–"
    value = f"{cell.rps:,.0f}" if cell.rps >= 100 else f"{cell.rps:.3g}"
    return value + (" ⚠" if cell.errors else "")


def fmt_lat(cell: Cell | None) -> str:
    if cell is None or not cell.requests:
        return "–"

    def ms(x: float) -> str:
        return f"{x:.2f}" if x < 10 else f"{x:,.0f}"

    return f"{ms(cell.p50_ms)} / {ms(cell.p99_ms)}"


def ratio(kg: Cell | None, other: Cell | None) -> str:
    if kg is None or other is None or not kg.requests:
        return "–"
    if not other.requests:
        if not other.seconds:
            return "–"
        return f"> {kg.rps * other.seconds:,.0f}×"  # the other did < 1 request per cell
    value = kg.rps / other.rps
    return f"{value:.2f}×" if value < 10 else f"{value:,.0f}×"


def table(results: Results, datasets: list[Dataset], queries: list[str]) -> str:
    head = ["data", "query", "mode", "c"]
    for server in SERVERS:
        head += [f"{server} req/s", "p50 / p99 ms"]
    head += ["KG/oxigraph", "KG/rdflib"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for ds in datasets:
        for name in queries:
            for mode in MODES:
                for c in (1, 16):
                    cells = {s: results.cells.get(f"{ds.name}/{s}/{name}/{mode}/{c}")
                             for s in SERVERS}
                    row = [ds.name, name, mode, str(c)]
                    for server in SERVERS:
                        latency = fmt_lat(cells[server])
                        first = results.first_s.get(f"{ds.name}/{server}/{name}")
                        if latency == "–" and first is not None:
                            latency = f"(one alone: {first:,.1f} s)"
                        row += [fmt_rps(cells[server]), latency]
                    row += [ratio(cells["kiezgraph"], cells["oxigraph"]),
                            ratio(cells["kiezgraph"], cells["rdflib-endpoint"])]
                    lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


TARGETS = (  # title, other server, mode, concurrency, what is compared, factor
    ("≥ 0.5× the throughput of oxigraph serve at c16", "oxigraph", "distinct", 16, "rps", 0.5),
    ("≥ 10× the throughput of rdflib-endpoint at c16", "rdflib-endpoint", "distinct", 16,
     "rps", 10.0),
    ("repeated requests: more throughput than oxigraph serve at c16", "oxigraph", "repeated",
     16, "rps", 1.0),
    ("repeated requests: lower p50 latency than oxigraph serve at c1", "oxigraph", "repeated",
     1, "p50", 1.0),
)


def targets(results: Results, datasets: list[Dataset], queries: list[str]) -> str:
    out = []
    for ds in datasets:
        for title, other, mode, c, measure, goal in TARGETS:
            missed = []
            for name in queries:
                kg = results.cells.get(f"{ds.name}/kiezgraph/{name}/{mode}/{c}")
                them = results.cells.get(f"{ds.name}/{other}/{name}/{mode}/{c}")
                if kg is None or them is None or not kg.requests or not them.seconds:
                    missed.append(f"{name} (not measured)")
                elif measure == "p50":
                    if them.requests and kg.p50_ms > them.p50_ms:
                        missed.append(f"{name} ({kg.p50_ms:.2f} vs {them.p50_ms:.2f} ms)")
                else:
                    other_rps = them.rps or 1 / them.seconds  # upper bound: none completed
                    if kg.rps < goal * other_rps:
                        missed.append(f"{name} ({kg.rps / other_rps:.2f}×)")
            verdict = "met" if not missed else "NOT met: " + ", ".join(missed)
            out.append(f"- {ds.name}, {title}: {verdict}")
    return "\n".join(out)


def versions() -> str:
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    parts = [f"{os.cpu_count()} cores", f"Python {platform.python_version()}"]
    parts += [f"{p} {metadata.version(p)}" for p in ("pyoxigraph", "oxigraph", "rdflib",
                                                     "rdflib-endpoint", "uvicorn")]
    parts.append((wrk_version.stdout or wrk_version.stderr).split(" [")[0].strip())
    return ", ".join(parts)


# -- main ---------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["curated", "synthetic"],
                        choices=["curated", "synthetic"])
    parser.add_argument("--servers", nargs="+", default=list(SERVERS), choices=SERVERS)
    parser.add_argument("--queries", nargs="+", default=list(QUERIES), choices=list(QUERIES))
    parser.add_argument("--synthetic", type=int, default=1_000_000, metavar="TRIPLES",
                        help="size of the synthetic graph (default 1,000,000)")
    parser.add_argument("--seconds", type=int, default=5, help="load time per cell")
    parser.add_argument("--slow-seconds", type=int, default=20,
                        help="load time per cell when one answer took over --slow-threshold")
    parser.add_argument("--slow-threshold", type=float, default=0.1, help="seconds")
    parser.add_argument("--request-timeout", type=int, default=60,
                        help="wrk's per-request timeout, seconds")
    parser.add_argument("--check-timeout", type=float, default=120.0,
                        help="seconds a server may take for the correctness check of a query")
    parser.add_argument("--drain-timeout", type=float, default=60.0,
                        help="seconds a server may stay busy after a cell before it is "
                             "restarted")
    parser.add_argument("--load-timeout", type=float, default=1800.0,
                        help="seconds a server may take to load its data and start")
    parser.add_argument("--work-dir", type=Path,
                        help="keep stores, dumps and logs here and reuse them next time "
                             "(default: a temporary folder, removed at the end)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    if "rdflib-endpoint" in args.servers and not (BIN / "rdflib-endpoint").exists():
        raise SystemExit("rdflib-endpoint is missing: .venv/bin/pip install rdflib-endpoint")

    def on_term(_signum: int, _frame: object) -> None:
        raise Stop

    signal.signal(signal.SIGTERM, on_term)
    started = dt.datetime.now(dt.UTC)
    results = Results()
    with contextlib.ExitStack() as stack:
        if args.work_dir:
            work = args.work_dir.resolve()
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="kiezgraph-bench-sparql-")))
        script = work / "bench.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        datasets = []
        for name in args.datasets:
            ds = prepare(name, work, args.synthetic)
            datasets.append(ds)
            log(f"{name}: {ds.triples:,} triples")
            for server_name in ("kiezgraph", *[s for s in args.servers if s != "kiezgraph"]):
                with serving(server_name, ds, work, args.load_timeout) as server:
                    bench_server(server, ds, args, script, results)
    print(f"\nSPARQL endpoint benchmark, {started:%Y-%m-%d %H:%M} UTC; {versions()}")
    print("command: .venv/bin/python bench/bench_sparql.py " + " ".join(sys.argv[1:]))
    print("datasets: " + ", ".join(f"{d.name} {d.triples:,} triples" for d in datasets))
    print("req/s at concurrency c; distinct = every request text differs (no cache hits), "
          "repeated = identical requests\n")
    print(table(results, datasets, args.queries))
    print("\nTargets:\n" + targets(results, datasets, args.queries))
    if args.json:
        raw = {"started": started.isoformat(), "versions": versions(),
               "datasets": {d.name: d.triples for d in datasets}, "rows": results.rows,
               "first_s": results.first_s,
               "cells": {k: {**vars(v), "rps": v.rps} for k, v in results.cells.items()}}
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
