"""Comunica, the JavaScript SPARQL engine, queries the running server as a SPARQL endpoint.

The client is pinned in tests/node/package.json (with its lock file) and installed from
the npm registry on first use.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ..tooling import unavailable

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
CLI = NODE_DIR / "node_modules" / ".bin" / "comunica-sparql"
BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def comunica() -> Path:
    if shutil.which("npm") is None:
        unavailable("npm is not installed on this machine; Comunica runs on Node.js")
    if not CLI.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=NODE_DIR, check=True, timeout=600)
    return CLI


def test_comunica_runs_a_select(live, comunica: Path) -> None:
    query = (f"SELECT ?area WHERE {{ ?area a <{BASE}/def/QMArea> ; "
             f"<{BASE}/def/district> <{BASE}/id/district/neukoelln> }}")
    result = subprocess.run([str(comunica), f"sparql@{live.url}/sparql", query],
                            capture_output=True, text=True, timeout=120, check=True)
    rows = json.loads(result.stdout)
    areas = {row["area"] for row in rows}
    assert f"{BASE}/id/area/rixdorf" in areas
    assert len(areas) == 15  # Neukölln's active and ended areas in the shared area list
