#!/usr/bin/env python3
"""One command per action, needing only Python 3.11+:

    python3 scripts/dev.py serve    set up, then serve the embedded default data
    python3 scripts/dev.py test     set up, then lint and run all tests
    python3 scripts/dev.py bench    set up, then run the benchmarks in bench/

Setup creates ``.venv`` in the project and installs the project with its test
extras; it is repeated only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".kiezgraph-setup"


def setup() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and (BIN / "kiezgraph").exists():
        return
    if not (BIN / "python").exists():
        print("creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    print("installing kiezgraph and its test tools into .venv", flush=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def run(args: list[str]) -> int:
    return subprocess.run(args, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test", "bench", "setup"}:
        print(__doc__, file=sys.stderr)
        return 2
    action, rest = argv[0], argv[1:]
    setup()
    if action == "serve":
        os.execv(BIN / "kiezgraph", [str(BIN / "kiezgraph"), "serve", *rest])  # noqa: S606
    if action == "test":
        code = run([str(BIN / "ruff"), "check", "."])
        if code != 0:
            print("lint failed (ruff check); fix the findings above", file=sys.stderr)
            return code
        return run([str(BIN / "python"), "-m", "pytest", *rest])
    if action == "bench":
        return run([str(BIN / "python"), "bench/bench_ingest.py", *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
