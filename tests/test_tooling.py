"""The tool guard: a missing tool skips a test on a developer's machine, fails it in CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = """
from tests.tooling import unavailable

def test_needs_a_tool():
    unavailable("the tool is missing")
"""


def _run(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_needs_tool.py").write_text(TEST)
    clean = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), str(tmp_path / "test_needs_tool.py")],
                          capture_output=True, text=True, env=clean, timeout=120, check=False)


def test_a_missing_tool_skips_on_a_developer_machine(tmp_path: Path) -> None:
    result = _run(tmp_path, {})
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout


def test_a_missing_tool_fails_in_ci(tmp_path: Path) -> None:
    for env in ({"CI": "true"}, {"KIEZGRAPH_REQUIRE_TOOLS": "1"}):
        result = _run(tmp_path, env)
        assert result.returncode == 1, result.stdout
        assert "the tool is missing" in result.stdout and "1 failed" in result.stdout
