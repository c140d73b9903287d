"""A local WFS stand-in on 127.0.0.1 serving the hand-written fixtures, and a temp data folder.

The server answers each (path, REQUEST) with a queue of prepared replies (the last one
repeats), records every request, and stops itself at teardown or after a minute at most.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from sparql_api.cli import main

from ..conftest import DATA

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wfs"
LAST_GOOD = {"type": "FeatureCollection", "features": [], "marker": "last good"}
JSON = "application/geo+json"
XML = "application/xml"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = XML
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    length: int | None = None  # Content-Length to declare; None: the true length
    no_length: bool = False  # send no Content-Length, end the body by closing
    etag: str | None = None  # sent as ETag; a matching If-None-Match gets 304


@dataclass
class Seen:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    time: float = field(default_factory=time.monotonic)


class WfsStandIn:
    def __init__(self, base: str, stop: threading.Event):
        self.base, self.stop = base, stop
        self.replies: dict[tuple[str, str], list[Reply]] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()

    def url(self, name: str) -> str:
        return f"{self.base}/wfs/{name}"

    def add(self, name: str, request: str, *replies: Reply) -> None:
        self.replies[(f"/wfs/{name}", request.casefold())] = list(replies)

    def service(self, name: str, capabilities: str, features: Reply) -> str:
        """Serve a capabilities fixture and a GetFeature reply under /wfs/<name>."""
        self.add(name, "GetCapabilities", Reply(fixture(capabilities)))
        self.add(name, "GetFeature", features)
        return self.url(name)

    def next_reply(self, seen: Seen) -> Reply | None:
        with self.lock:
            self.seen.append(seen)
            queue = self.replies.get((seen.path, seen.params.get("request", "").casefold()))
            if not queue:
                return None
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def requests(self, request: str) -> list[Seen]:
        wanted = request.casefold()
        return [s for s in self.seen if s.params.get("request", "").casefold() == wanted]


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        stand_in: WfsStandIn = self.server.stand_in  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        params = {k.casefold(): v for k, v in parse_qsl(parts.query)}
        seen = Seen(parts.path, params, {k.casefold(): v for k, v in self.headers.items()})
        reply = stand_in.next_reply(seen)
        if reply is None:
            self.send_error(404)
            return
        if reply.delay and stand_in.stop.wait(reply.delay):
            return
        if reply.etag and seen.headers.get("if-none-match") == reply.etag:
            self.send_response(304)
            self.send_header("ETag", reply.etag)
            self.end_headers()
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        headers = {**reply.headers, **({"ETag": reply.etag} if reply.etag else {})}
        for name, value in headers.items():
            self.send_header(name, value)
        if not reply.no_length:
            self.send_header("Content-Length", str(reply.length or len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test asserts on ``seen`` instead."""

    def handle(self) -> None:
        # the client may give up (timeout, size limit): expected in these tests
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()


@pytest.fixture
def wfs() -> Iterator[WfsStandIn]:
    stop = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stand_in = WfsStandIn(f"http://127.0.0.1:{server.server_address[1]}", stop)
    server.stand_in = stand_in  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    watchdog = threading.Timer(60, server.shutdown)
    watchdog.daemon = True
    watchdog.start()
    yield stand_in
    stop.set()
    watchdog.cancel()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder with synthetic areas and last-good geo files; never the project's."""
    data = tmp_path / "data"
    geo = data / "geo"
    geo.mkdir(parents=True)
    (data / "areas.csv").write_text(
        "id,name,alt_names,district\n"
        "test-gebiet-a,TEST Gebiet A,,mitte\n"
        "test-gebiet-b,Test Gebiet B,TEST Gebiet Bee | TEST Gebiet Be,mitte\n", encoding="utf-8")
    (data / "dated_names.areas.csv").write_text(
        "id,of,name\ndn-c,test-gebiet-c,Test Gebietsstrasse C\n", encoding="utf-8")
    for layer in ("qm-areas", "lor-plr-2021"):
        (geo / f"{layer}.geojson").write_text(json.dumps(LAST_GOOD) + "\n", encoding="utf-8")
    shutil.copyfile(DATA / "geo" / "lor-plr-2021.source.json", geo / "lor-plr-2021.source.json")
    (geo / "qm-areas.source.json").write_text(
        json.dumps({"layer": "qm-areas", "licence": None, "attribution": "TEST attribution",
                    "method": "copy"}) + "\n", encoding="utf-8")
    return data


def snapshot(data: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((data / "geo").iterdir()) if p.is_file()}


def fetch(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["fetch", "--data-dir", str(data), *args])
    out = capsys.readouterr()
    return code, out.out, out.err
