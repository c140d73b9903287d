"""The kiezgraph command: query formats, stats, validate, help and exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from sparql_api.cli import main

from .conftest import BASE, DATA, PROJECT


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_query_table(published, capsys) -> None:
    code, out, _ = cli(capsys, "query", "--store-dir", str(published.store_dir),
                       "SELECT ?name WHERE { <http://127.0.0.1:8000/id/area/rixdorf> "
                       "skos:prefLabel ?name }")
    assert code == 0
    assert out.splitlines()[0].strip() == "name"
    assert "Rixdorf@de" in out and "(1 row)" in out


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml"])
def test_query_result_formats(published, capsys, fmt: str) -> None:
    code, out, _ = cli(capsys, "query", "--store-dir", str(published.store_dir), "--format", fmt,
                       "SELECT (COUNT(?a) AS ?n) WHERE { ?a a kg:QMArea }")
    assert code == 0
    if fmt == "json":
        assert json.loads(out)["results"]["bindings"][0]["n"]["value"] == "51"
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(out)))[1] == ["51"]
    elif fmt == "tsv":
        assert out.splitlines()[1].startswith("51")
    else:
        assert "<sparql" in out and ">51<" in out


def test_query_construct_as_turtle(published, capsys) -> None:
    code, out, _ = cli(capsys, "query", "--store-dir", str(published.store_dir), "--format",
                       "turtle", "CONSTRUCT { ?a a kg:QMArea } WHERE { ?a a kg:QMArea }")
    assert code == 0
    assert len(Graph().parse(data=out, format="turtle")) == 51


def test_query_errors(published, capsys, tmp_path: Path) -> None:
    store = str(published.store_dir)
    code, _, err = cli(capsys, "query", "--store-dir", store, "SELECT ?x WHERE { ?x }")
    assert code == 2 and "SPARQL syntax error" in err
    code, _, err = cli(capsys, "query", "--store-dir", store, "--format", "csv",
                       "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1")
    assert code == 2 and "needs an RDF format" in err
    code, _, err = cli(capsys, "query", "--store-dir", store, "--file", str(tmp_path / "no.rq"))
    assert code == 2 and "cannot read" in err
    code, _, err = cli(capsys, "query", "--store-dir", str(tmp_path / "empty"), "ASK {}")
    assert code == 3 and "no release" in err


def test_query_has_the_endpoints_checks(published, capsys) -> None:
    """Regression: the CLI skipped check_query (update as 'syntax error', SERVICE run)."""
    store = str(published.store_dir)
    code, _, err = cli(capsys, "query", "--store-dir", store, "CLEAR ALL")
    assert code == 2 and "read-only" in err
    code, _, err = cli(capsys, "query", "--store-dir", store,
                       "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert code == 2 and "SERVICE" in err


def test_query_keeps_the_answer_size_limit(published) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sparql_api.cli", "query", "--format", "ntriples",
         "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"],
        capture_output=True, cwd=PROJECT, timeout=120,
        env={"PATH": "/usr/bin:/bin", "KIEZGRAPH_STORE_DIR": str(published.store_dir),
             "KIEZGRAPH_MAX_RESULT_BYTES": "100000"})
    assert result.returncode == 2, result.stderr
    assert b"larger than" in result.stderr
    assert 0 < len(result.stdout) <= 100000 + 64 * 1024  # written as it came, then stopped


def test_query_from_stdin(published) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sparql_api.cli", "query", "--format", "csv", "-"],
        input="ASK { ?a a kg:QMArea }", capture_output=True, text=True, cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "KIEZGRAPH_STORE_DIR": str(published.store_dir)},
        timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "true"


def test_stats(published, capsys) -> None:
    code, out, _ = cli(capsys, "stats", "--store-dir", str(published.store_dir))
    assert code == 0
    assert "triples per named graph" in out and "instances per class" in out
    assert f"{BASE}/graph/data/areas" in out
    assert any(line.startswith("kg:QMArea") and line.split()[-1] == "51"
               for line in out.splitlines())


def test_validate_reports_conformance(capsys, tmp_path: Path) -> None:
    code, out, _ = cli(capsys, "validate", "--data-dir", str(DATA), "--report",
                       str(tmp_path / "report.ttl"))
    assert code == 0, out
    assert "0 violation(s)" in out
    assert len(Graph().parse(tmp_path / "report.ttl")) > 0


def test_help_texts_document_every_command() -> None:
    result = subprocess.run([sys.executable, "-m", "sparql_api.cli", "--help"],
                            capture_output=True, text=True, cwd=PROJECT, timeout=60)
    assert result.returncode == 0
    for command in ("ingest", "validate", "query", "stats", "serve"):
        assert command in result.stdout
    assert "exit codes" in result.stdout and "3  store error" in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = subprocess.run([sys.executable, "-m", "sparql_api.cli", "frobnicate"],
                            capture_output=True, text=True, cwd=PROJECT, timeout=60)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
