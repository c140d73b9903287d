"""Point lookup benchmark: in-process (the spatial index alone) and over HTTP (wrk).

    .venv/bin/python bench/bench_lookup.py [--seconds 5] [--points 2000]

Publishes the curated data into a temporary store, builds the index as the server
does, and asks it for points spread over Berlin: one representative point of every
Planungsraum plus a deterministic scatter inside the city's bounding box (some of them
outside Berlin). Then it starts ``kiezgraph serve`` on 127.0.0.1 and lets wrk request
``/lookup`` for the same points at concurrency 1 and 16. Everything is stopped on exit.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench_linked_data import WRK_SCRIPT, run_wrk  # noqa: E402 -- after the path setup


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def points(count: int) -> list[tuple[float, float]]:
    """(lon, lat): a point inside every Planungsraum, then a fixed random scatter."""
    from shapely.geometry import shape

    layer = json.loads((ROOT / "data/geo/lor-plr-2021.geojson").read_text(encoding="utf-8"))
    inside = [shape(f["geometry"]).representative_point() for f in layer["features"]]
    chosen = [(p.x, p.y) for p in inside]
    rng = random.Random(20261127)  # noqa: S311 -- a fixed scatter, not a secret
    while len(chosen) < count:
        chosen.append((rng.uniform(13.05, 13.8), rng.uniform(52.3, 52.7)))
    return chosen[:count]


def in_process(store: Path, pts: list[tuple[float, float]], seconds: float) -> None:
    from ingest.config import Settings
    from ingest.store import EmbeddedBackend
    from sparql_api.geoindex import build_index

    backend = EmbeddedBackend(Settings(store_dir=store), workers=1)
    try:
        started = time.perf_counter()
        index = build_index(backend, Settings().base_iri)
        print(f"index built from the store in {time.perf_counter() - started:.2f} s")
        done, latencies = 0, []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            for lon, lat in pts:
                t0 = time.perf_counter()
                index.lookup(lon, lat)
                latencies.append(time.perf_counter() - t0)
            done += len(pts)
        latencies.sort()
        total = sum(latencies)
        print(f"in-process: {done / total:,.0f} lookups/s on one thread, "
              f"p50 {latencies[len(latencies) // 2] * 1e6:.0f} µs, "
              f"p99 {latencies[int(len(latencies) * 0.99)] * 1e6:.0f} µs ({done:,} lookups)")
    finally:
        backend.close()


def over_http(store: Path, pts: list[tuple[float, float]], seconds: int, work: Path) -> None:
    if shutil.which("wrk") is None:
        print("over HTTP: skipped, wrk is missing (apt-get install wrk)")
        return
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIEZGRAPH_")}
    server = subprocess.Popen([str(BIN / "kiezgraph"), "serve", "--no-ingest", "--port",
                               str(port), "--store-dir", str(store)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(url + "/lookup?lat=52.52&lon=13.40", server)
        lines = work / "points.txt"
        lines.write_text("".join(f"/lookup?lat={lat:.6f}&lon={lon:.6f}\n" for lon, lat in pts),
                         encoding="utf-8")
        script = work / "lookup.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        for concurrency in (1, 16):
            cell = run_wrk(script, url, lines, "application/json", concurrency, seconds)
            print(f"over HTTP, concurrency {concurrency}: {cell['rps']:,.0f} req/s, "
                  f"p50 {cell['p50']:.2f} ms, p99 {cell['p99']:.2f} ms, "
                  f"{cell['errors']:.0f} errors")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _wait(url: str, server: subprocess.Popen[bytes]) -> None:
    import requests

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server ended before it answered")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=30).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit("the server did not answer within 120 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--points", type=int, default=2000)
    args = parser.parse_args()
    from ingest.config import Settings
    from ingest.pipeline import ingest

    with tempfile.TemporaryDirectory(prefix="kiezgraph-bench-lookup-") as folder:
        work = Path(folder)
        store = work / "store"
        ingest(Settings(store_dir=store))
        pts = points(args.points)
        print(f"{len(pts):,} points: one inside each Planungsraum, the rest scattered over "
              "the bounding box")
        in_process(store, pts, args.seconds)
        over_http(store, pts, args.seconds, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
