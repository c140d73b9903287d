"""Run SPARQL queries in worker processes, so that a runaway query can really be stopped.

pyoxigraph has no query timeout (oxigraph issue #1926) and a thread cannot be killed,
so each query runs in one of a few long-lived worker processes that open the current
release read-only. The parent waits for the first chunk of the answer until the
deadline; past it, the worker is killed (freeing its CPU at once) and replaced. Answers
stream back in chunks, so a large result starts quickly and is never held whole.

Wire protocol on the pipe (parent -> worker): a pickled ``(release_id, Job)``.
Worker -> parent, one ``send_bytes`` per message, first byte the tag:
``H`` + json header {kind, media_type}, ``D`` + data, ``Z`` end, ``E`` + json error.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .errors import BadInputError, KiezgraphError, StoreError

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


class QueryTimeout(KiezgraphError):
    """The query ran past its time limit and was stopped."""

    exit_code = 3


class Busy(KiezgraphError):
    """No worker became free before the deadline."""

    exit_code = 3


@dataclass(frozen=True)
class Job:
    query: str
    result_format: str = "json"  # json, xml, csv, tsv
    graph_format: str = "turtle"  # turtle, ntriples, nquads, trig, rdfxml, jsonld
    default_graphs: tuple[str, ...] | None = None  # None: the union of all named graphs
    named_graphs: tuple[str, ...] | None = None  # None: all named graphs
    prefixes: dict[str, str] = field(default_factory=dict)
    base_iri: str | None = None  # resolves relative IRIs in the query


_STRIP = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|'
                    r"'(?:\\.|[^'\\\n])*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*")
_SERVICE = re.compile(r"(?<![?$:\w])SERVICE\b", re.IGNORECASE)
_PROLOGUE_ITEM = re.compile(r"\s*(?:BASE\b|PREFIX\s+[\w.-]*:)\s*", re.IGNORECASE)
_KEYWORD = re.compile(r"\s*([A-Za-z]+)")
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
                   "WITH"}


def without_literals(query: str) -> str:
    """The query with strings, IRIs and comments blanked out, for keyword checks."""
    return _STRIP.sub(" ", query)


def uses_service(query: str) -> bool:
    return bool(_SERVICE.search(without_literals(query)))


def first_keyword(query: str) -> str | None:
    """The first keyword after the prologue (BASE/PREFIX), upper-cased.

    A loop of anchored matches, not one regex with nested repetition: a long prologue
    must not make the check backtrack (regression: rdflib's SPARQLStore client).
    """
    text = without_literals(query)
    position = 0
    while match := _PROLOGUE_ITEM.match(text, position):
        position = match.end()
    keyword = _KEYWORD.match(text, position)
    return keyword.group(1).upper() if keyword else None


def is_update(query: str) -> bool:
    return first_keyword(query) in UPDATE_KEYWORDS


# -- the worker process -------------------------------------------------------------


class _PipeWriter:
    """A binary file for pyoxigraph's serializers that ships chunks down the pipe."""

    def __init__(self, conn: Connection, header: dict[str, str]):
        self.conn = conn
        self.header = header
        self.buffer = bytearray()
        self.header_sent = False

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if not self.header_sent:
            self.conn.send_bytes(b"H" + json.dumps(self.header).encode())
            self.header_sent = True
        if self.buffer:
            self.conn.send_bytes(b"D" + bytes(self.buffer))
            self.buffer.clear()

    def close(self) -> None:
        self.flush()
        self.conn.send_bytes(b"Z")


def _run_job(store: Any, job: Job, conn: Connection, functions: dict[Any, Any]) -> None:
    import pyoxigraph as ox

    from .store import GRAPH_FORMATS, RESULT_FORMATS

    options: dict[str, Any] = {"prefixes": job.prefixes or None, "base_iri": job.base_iri,
                               "custom_functions": functions or None}
    if job.default_graphs is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    result = store.query(job.query, **options)
    if isinstance(result, ox.QueryTriples):
        fmt = GRAPH_FORMATS[job.graph_format]
        kind = "graph"
    else:
        fmt = RESULT_FORMATS[job.result_format]
        kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
    writer = _PipeWriter(conn, {"kind": kind, "media_type": fmt.media_type})
    result.serialize(writer, format=fmt)
    writer.close()


def _worker_main(conn: Connection, store_root: str) -> None:
    """Serve jobs until the pipe closes; keeps the current release open between jobs."""
    import pyoxigraph as ox

    from .geosparql import custom_functions

    functions = custom_functions()
    open_id, store = None, None
    while True:
        try:
            release_id, job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if release_id != open_id:
                store = None
                store = ox.Store.read_only(str(Path(store_root) / "releases" / release_id))
                open_id = release_id
            _run_job(store, job, conn, functions)
        except SyntaxError as exc:
            conn.send_bytes(b"E" + json.dumps({"kind": "syntax", "message": str(exc)}).encode())
        except (OSError, ValueError, TypeError) as exc:
            conn.send_bytes(b"E" + json.dumps({"kind": "store", "message": str(exc)}).encode())


# -- the parent side ----------------------------------------------------------------


class _Worker:
    def __init__(self, ctx: Any, store_root: Path):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child, str(store_root)),
                                   daemon=True, name="kiezgraph-query-worker")
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


@dataclass
class Answer:
    """A running query whose first chunk has arrived; ``chunks()`` streams it all."""

    kind: str
    media_type: str
    _stream: Callable[[], Iterator[bytes]]

    def chunks(self) -> Iterator[bytes]:
        return self._stream()

    def read_all(self) -> bytes:
        return b"".join(self.chunks())


class Executor:
    """A small pool of query worker processes over one store folder."""

    def __init__(self, store_root: Path, workers: int, timeout: float):
        self.store_root = store_root
        self.timeout = timeout
        self._ctx = mp.get_context("spawn")
        self._idle: list[_Worker] = []
        self._size = workers
        self._live = 0
        self._cond = threading.Condition()
        self._closed = False

    def _acquire(self, deadline: float) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise StoreError("the query service is shutting down")
                if self._idle:
                    return self._idle.pop()
                if self._live < self._size:
                    self._live += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Busy("all query workers stayed busy until the time limit; "
                               "try again in a moment")
                self._cond.wait(remaining)
        try:
            return _Worker(self._ctx, self.store_root)
        except OSError as exc:
            with self._cond:
                self._live -= 1
                self._cond.notify()
            raise StoreError(f"cannot start a query worker: {exc}") from exc

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            if self._closed:
                worker.kill()
            else:
                self._idle.append(worker)
            self._cond.notify()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._cond:
            self._live -= 1
            self._cond.notify()

    def run(self, release_id: str, job: Job, timeout: float | None = None) -> Answer:
        """Start ``job``; return once its first chunk is there, or raise.

        Raises BadInputError (syntax), QueryTimeout, Busy or StoreError.
        """
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        worker = self._acquire(deadline)
        try:
            worker.conn.send((release_id, job))
            message = self._receive(worker, deadline, limit)
        except BaseException:
            self._discard(worker)
            raise
        tag, body = message[:1], message[1:]
        if tag == b"E":
            self._release(worker)
            error = json.loads(body)
            if error["kind"] == "syntax":
                raise BadInputError(f"SPARQL syntax error: {error['message']}")
            raise StoreError(f"the store could not answer: {error['message']}")
        header = json.loads(body)
        first = self._receive(worker, deadline, limit)

        def stream() -> Iterator[bytes]:
            message, done = first, False
            try:
                while message[:1] == b"D":
                    yield message[1:]
                    message = self._receive(worker, deadline, limit)
                done = message[:1] == b"Z"
                if not done:
                    raise StoreError("the query worker sent an unexpected message")
            finally:
                if done:
                    self._release(worker)
                else:  # timed out, failed, or the client went away mid-stream
                    self._discard(worker)

        return Answer(header["kind"], header["media_type"], stream)

    def _receive(self, worker: _Worker, deadline: float, limit: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not worker.conn.poll(remaining):
            raise QueryTimeout(f"the query ran longer than the limit of {limit:g} s and was "
                               "stopped; narrow it (LIMIT, more specific patterns) or ask "
                               "for a higher limit")
        try:
            return worker.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            raise StoreError("the query worker ended unexpectedly") from exc

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for worker in idle:
            worker.kill()
