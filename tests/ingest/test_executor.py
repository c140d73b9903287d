"""The query executor driven from an event loop, as the HTTP endpoint drives it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import uvloop

from ingest.executor import Answer, Executor, Job, QueryTimeout

from ..conftest import current_release

SMALL = "ASK {{ ?s ?p ?o }} # {n}"
LARGE = "SELECT * WHERE {{ ?s ?p ?o }} LIMIT 3000 # {n}"  # several chunks


async def _ask_many(executor: Executor, release: str, query: str, n: int,
                    pool: ThreadPoolExecutor) -> list[bytes]:
    async def one(i: int) -> bytes:
        answer = await executor.run_async(release, Job(query.format(n=i)), time.monotonic(),
                                          pool)
        if answer.complete is not None:
            return answer.complete
        # a large one is read off the loop and outside ``pool``, as the endpoint does
        return await asyncio.get_running_loop().run_in_executor(None, answer.read_all)

    return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), timeout=60)


RUNNERS = {"asyncio": asyncio.run, "uvloop": uvloop.run}  # uvicorn uses uvloop


@contextlib.contextmanager
def running(store: Path, workers: int, timeout: float
            ) -> Iterator[tuple[Executor, ThreadPoolExecutor, str]]:
    """An executor with its thread pool (as the endpoint has them) and the release id."""
    executor = Executor(store, workers=workers, timeout=timeout)
    pool = ThreadPoolExecutor(workers)
    try:
        yield executor, pool, current_release(store)
    finally:
        pool.shutdown()
        executor.close()


@pytest.mark.parametrize("loop", list(RUNNERS))
@pytest.mark.parametrize("query", [SMALL, LARGE], ids=["small answers", "large answers"])
def test_many_concurrent_queries_finish_and_give_back_every_worker(
        published_store: Path, query: str, loop: str) -> None:
    """Regressions: a large answer was read on in the pool whose threads were all waiting
    for a worker, while the answer held one, and the service stopped answering; under
    uvloop a pipe once watched by the loop stayed non-blocking and large answers failed
    with "the query worker ended unexpectedly"."""
    with running(published_store, 2, 30) as (executor, pool, release):
        for _ in range(3):
            answers = RUNNERS[loop](_ask_many(executor, release, query, 16, pool))
            assert len(answers) == 16
            assert all("head" in json.loads(body) for body in answers)
        assert len(executor._idle) == 2 and executor._waiting == 0


def test_a_small_answer_arrives_whole_in_one_message(published_store: Path) -> None:
    with running(published_store, 1, 30) as (executor, pool, release):

        async def both() -> tuple[Answer, Answer]:
            first = await executor.run_async(release, Job("ASK { ?s ?p ?o }"),
                                             time.monotonic(), pool)
            second = await executor.run_async(release, Job("ASK { ?s ?p ?o }"),
                                              time.monotonic(), pool)
            return first, second

        for answer in asyncio.run(both()):
            assert answer.complete is not None
            assert json.loads(answer.complete)["boolean"] is True


def test_a_runaway_query_awaited_on_the_loop_is_stopped(published_store: Path) -> None:
    with running(published_store, 1, 1.0) as (executor, pool, release):
        executor.run(release, Job("ASK { ?s ?p ?o }")).read_all()  # an idle worker exists
        started = time.monotonic()

        async def runaway(query: str) -> bytes:
            answer = await executor.run_async(release, Job(query), time.monotonic(), pool)
            return await asyncio.get_running_loop().run_in_executor(None, answer.read_all)

        with pytest.raises(QueryTimeout):  # stopped before its first answer
            asyncio.run(runaway("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"))
        assert time.monotonic() - started < 2.0
        started = time.monotonic()
        with pytest.raises(QueryTimeout):  # stopped while streaming a huge answer
            asyncio.run(runaway("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"))
        assert time.monotonic() - started < 2.0
        assert json.loads(executor.run(release, Job("ASK { ?s ?p ?o }")).read_all())["boolean"]
