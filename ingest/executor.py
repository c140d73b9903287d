"""Run SPARQL queries in worker processes, so that a runaway query can really be stopped.

pyoxigraph has no query timeout (oxigraph issue #1926) and a thread cannot be killed,
so each query runs in one of a few long-lived worker processes that open the current
release read-only. The parent waits for the first chunk of the answer until the
deadline; past it, the worker is killed (freeing its CPU at once) and replaced. Answers
stream back in chunks, so a large result starts quickly and is never held whole.

Wire protocol on the pipe (parent -> worker): a pickled ``(release_id, Job)``.
Worker -> parent, one ``send_bytes`` per message, first byte the tag:
``H`` + json header {kind, media_type}, ``D`` + data, ``Z`` end, ``E`` + json error;
an answer smaller than one chunk comes as a single ``A`` + json header + newline + data,
which saves the small, frequent answers three round trips through the pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing as mp
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
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
_FROM = re.compile(r"(?<![?$:\w])FROM\b", re.IGNORECASE)
_PROLOGUE_ITEM = re.compile(r"\s*(?:BASE\b|PREFIX\s+[\w.-]*:)\s*", re.IGNORECASE)
_KEYWORD = re.compile(r"\s*([A-Za-z]+)")
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
                   "WITH"}


def without_literals(query: str) -> str:
    """The query with strings, IRIs and comments blanked out, for keyword checks."""
    return _STRIP.sub(" ", query)


def uses_service(query: str, stripped: str | None = None) -> bool:
    """``stripped``: the query already passed through ``without_literals``."""
    return bool(_SERVICE.search(stripped if stripped is not None else without_literals(query)))


def names_dataset(query: str, stripped: str | None = None) -> bool:
    """Whether the query has its own FROM / FROM NAMED clauses (then they, not the union
    of all graphs, make its dataset)."""
    return bool(_FROM.search(stripped if stripped is not None else without_literals(query)))


def first_keyword(query: str, stripped: str | None = None) -> str | None:
    """The first keyword after the prologue (BASE/PREFIX), upper-cased.

    A loop of anchored matches, not one regex with nested repetition: a long prologue
    must not make the check backtrack (regression: rdflib's SPARQLStore client).
    """
    text = stripped if stripped is not None else without_literals(query)
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
            self._send_buffer()
        return len(data)

    def flush(self) -> None:
        """Called by the serializer when it is done; sending waits for ``close``, so that
        an answer smaller than a chunk goes out as one message."""

    def _send_buffer(self) -> None:
        if not self.header_sent:
            self.conn.send_bytes(b"H" + json.dumps(self.header).encode())
            self.header_sent = True
        if self.buffer:
            self.conn.send_bytes(b"D" + bytes(self.buffer))
            self.buffer.clear()

    def close(self) -> None:
        if self.header_sent:
            self._send_buffer()
            self.conn.send_bytes(b"Z")
        else:
            self.conn.send_bytes(b"A" + json.dumps(self.header).encode() + b"\n" + self.buffer)


def _run_job(store: Any, job: Job, conn: Connection, functions: dict[Any, Any]) -> None:
    import pyoxigraph as ox

    from .store import GRAPH_FORMATS, RESULT_FORMATS

    options: dict[str, Any] = {"prefixes": job.prefixes or None, "base_iri": job.base_iri,
                               "custom_functions": functions or None}
    if job.default_graphs is None:
        # The union of all graphs, unless the query's FROM clauses name its dataset:
        # pyoxigraph would let the union option override them.
        if not names_dataset(job.query):
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
        except RuntimeError as exc:  # pyoxigraph: the query cannot be evaluated as asked
            conn.send_bytes(b"E" + json.dumps({"kind": "evaluation",
                                               "message": str(exc)}).encode())
        except Exception as exc:  # report it: a dead worker would cost a respawn
            conn.send_bytes(b"E" + json.dumps({"kind": "store", "message": str(exc)}).encode())


# -- the parent side ----------------------------------------------------------------

ASYNC_QUERY_BYTES = 32 * 1024  # longer jobs are sent from a thread: a pipe write may block


def timeout_message(limit: float) -> str:
    return (f"the query ran longer than the limit of {limit:g} s and was stopped; narrow it "
            "(LIMIT, more specific patterns) or ask for a higher limit")


def _fail(waiter: asyncio.Future[Any], error: Exception) -> None:
    if not waiter.done():
        waiter.set_exception(error)


def _busy() -> Busy:
    return Busy("all query workers stayed busy until the time limit; try again in a moment")


def _recv(worker: _Worker) -> bytes:
    try:
        return worker.conn.recv_bytes()
    except (EOFError, OSError) as exc:
        raise StoreError("the query worker ended unexpectedly") from exc



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
    """A running query whose first chunk has arrived; ``chunks()`` streams it all.
    ``complete``: the whole answer, when it came in one message."""

    kind: str
    media_type: str
    _stream: Callable[[], Iterator[bytes]]
    complete: bytes | None = None

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
        self._waiting = 0  # threads waiting in _acquire
        self._async_waiters: deque[tuple[asyncio.AbstractEventLoop,
                                         asyncio.Future[_Worker | None]]] = deque()
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
                    raise _busy()
                self._waiting += 1
                try:
                    self._cond.wait(remaining)
                finally:
                    self._waiting -= 1
        return self._spawn()

    async def _acquire_async(self, deadline: float) -> _Worker:
        """``_acquire`` for the event loop: waits on a future instead of a thread."""
        loop = asyncio.get_running_loop()
        with self._cond:
            if self._closed:
                raise StoreError("the query service is shutting down")
            if self._idle and not self._waiting:
                return self._idle.pop()
            if self._live < self._size:
                self._live += 1
                waiter = None
            else:
                waiter = loop.create_future()
                self._async_waiters.append((loop, waiter))
        if waiter is not None:
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    worker = await waiter
            except TimeoutError:
                raise _busy() from None
            finally:
                with self._cond, contextlib.suppress(ValueError):
                    self._async_waiters.remove((loop, waiter))
            if worker is not None:
                return worker
            # None: a worker was discarded and its place handed to us (already counted)
        return await loop.run_in_executor(None, self._spawn)

    def _spawn(self) -> _Worker:
        """Start a worker for a place already counted in ``_live``."""
        try:
            return _Worker(self._ctx, self.store_root)
        except OSError as exc:
            self._give_back_place()
            raise StoreError(f"cannot start a query worker: {exc}") from exc

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            if self._closed:
                worker.kill()
            elif self._waiting or not self._hand_over(worker):
                self._idle.append(worker)
            self._cond.notify()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        self._give_back_place()

    def _give_back_place(self) -> None:
        with self._cond:
            if self._closed or self._waiting or not self._hand_over(None):
                self._live -= 1
            self._cond.notify()

    def _hand_over(self, worker: _Worker | None) -> bool:
        """Give a worker (or, with None, the place of a discarded one) to the first
        coroutine waiting for it; False if none waits. Called with ``_cond`` held."""
        while self._async_waiters:
            loop, waiter = self._async_waiters.popleft()
            if waiter.done():
                continue

            def deliver(waiter: asyncio.Future[_Worker | None] = waiter) -> None:
                if waiter.done():  # it timed out meanwhile: pass the worker on
                    if worker is None:
                        self._give_back_place()
                    else:
                        self._release(worker)
                else:
                    waiter.set_result(worker)

            if asyncio._get_running_loop() is loop:
                loop.call_soon(deliver)  # on the loop's own thread: no wake-up needed
            else:
                loop.call_soon_threadsafe(deliver)
            return True
        return False

    def run(self, release_id: str, job: Job, timeout: float | None = None,
            since: float | None = None) -> Answer:
        """Start ``job``; return once its first chunk is there, or raise.

        ``since``: the ``time.monotonic()`` at which the request arrived, when it waited
        in a queue before this call; the time limit counts from then.
        Raises BadInputError (syntax), QueryTimeout, Busy or StoreError.
        """
        limit = self.timeout if timeout is None else timeout
        deadline = (time.monotonic() if since is None else since) + limit
        worker = self._acquire(deadline)
        try:
            worker.conn.send((release_id, job))
            message = self._receive(worker, deadline, limit)
        except BaseException:
            self._discard(worker)
            raise
        return self._answer(worker, message, deadline, limit)

    async def run_async(self, release_id: str, job: Job, since: float,
                        pool: ThreadPoolExecutor) -> Answer:
        """``run`` for an event loop: with an idle worker at hand, the job is sent and its
        first message awaited without a thread (a small answer is then complete). Else
        ``run`` waits for a worker in a thread of ``pool``.

        A large answer is read on in the loop's default executor, never in ``pool``:
        ``pool``'s threads may all be waiting for workers, and this one holds a worker.
        Whoever reads a large Answer must do so outside ``pool`` too."""
        loop = asyncio.get_running_loop()
        if len(job.query) >= ASYNC_QUERY_BYTES:
            return await loop.run_in_executor(pool, self.run, release_id, job, None, since)
        deadline = since + self.timeout
        worker = await self._acquire_async(deadline)
        try:
            worker.conn.send((release_id, job))
            message = await self._receive_async(worker, deadline)
        except BaseException:
            self._discard(worker)
            raise
        if message[:1] in (b"A", b"E"):
            return self._answer(worker, message, deadline, self.timeout)
        return await loop.run_in_executor(None, self._answer, worker, message, deadline,
                                          self.timeout)

    def _answer(self, worker: _Worker, message: bytes, deadline: float, limit: float
                ) -> Answer:
        """Turn a worker's first message into an Answer (or an error), releasing the
        worker once it has said all it will say."""
        tag, body = message[:1], message[1:]
        if tag == b"E":
            self._release(worker)
            error = json.loads(body)
            if error["kind"] == "syntax":
                raise BadInputError(f"SPARQL syntax error: {error['message']}")
            if error["kind"] == "evaluation":
                raise BadInputError(f"the query cannot be evaluated: {error['message']}")
            raise StoreError(f"the store could not answer: {error['message']}")
        if tag == b"A":
            self._release(worker)
            head, _, data = body.partition(b"\n")
            header = json.loads(head)
            return Answer(header["kind"], header["media_type"], lambda: iter((data,)), data)
        try:
            header = json.loads(body)
            first = self._receive(worker, deadline, limit)
        except BaseException:
            self._discard(worker)
            raise

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
            raise QueryTimeout(timeout_message(limit))
        return _recv(worker)

    async def _receive_async(self, worker: _Worker, deadline: float) -> bytes:
        """Wait for the worker's next message on the event loop, up to the deadline."""
        if not worker.conn.poll(0):
            loop = asyncio.get_running_loop()
            ready = loop.create_future()
            fd = worker.conn.fileno()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    await ready
            except TimeoutError:
                raise QueryTimeout(timeout_message(self.timeout)) from None
            finally:
                loop.remove_reader(fd)
                os.set_blocking(fd, True)  # uvloop leaves watched fds non-blocking
        return _recv(worker)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
            while self._async_waiters:
                loop, waiter = self._async_waiters.popleft()
                with contextlib.suppress(RuntimeError):  # its loop may be closed already
                    loop.call_soon_threadsafe(_fail, waiter, StoreError(
                        "the query service is shutting down"))
        for worker in idle:
            worker.kill()
