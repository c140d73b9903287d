#!/usr/bin/env python3
"""Create ``var/ckan-venv``: a separate venv with the real ckanext-dcat RDF parser.

    python3 scripts/setup_ckan_venv.py          # idempotent; quick no-op when up to date

ckanext-dcat's ``RDFParser`` runs without a CKAN site only when CKAN itself and
its pinned requirements are installed (``ckan[requirements]``, ~230 MB). Those
pins conflict with the project's own venv, so they live in their own venv under
the git-ignored ``var/``. The test harness (tests/catalog/harness.py) calls
:func:`ensure_ckan_venv`.

A marker file with the pins and the installed versions is written last; while
it is missing or its pins differ from :data:`PINS`, the venv is rebuilt from
scratch. Exit status 1 (with pip's output) when the installation fails.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import subprocess
import sys
import time
import venv
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_DIR = ROOT / "var" / "ckan-venv"
MARKER_NAME = ".kiezgraph-ckan-venv.json"

#: Exact versions. ckan[requirements] pins CKAN's own dependencies exactly;
#: rdflib is pinned because it decides how the catalogue is read.
PINS: tuple[str, ...] = (
    "ckanext-dcat==2.4.4",
    "ckan[requirements]==2.11.6",
    "rdflib==7.6.0",
)
#: Distributions whose installed versions are recorded in the marker.
REPORTED = ("ckan", "ckanext-dcat", "rdflib", "pyld", "ckantoolkit")


class SetupError(RuntimeError):
    """The ckan venv could not be created; the message contains pip's output."""


def venv_python(venv_dir: Path = VENV_DIR) -> Path:
    """Path of the interpreter inside the ckan venv."""
    return venv_dir / "bin" / "python"


def read_marker(venv_dir: Path = VENV_DIR) -> dict | None:
    """The marker's content, or None when there is no valid marker."""
    try:
        return json.loads((venv_dir / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return None


def is_ready(venv_dir: Path = VENV_DIR, pins: Sequence[str] = PINS) -> bool:
    """True when the venv exists and was completed with exactly these pins."""
    marker = read_marker(venv_dir)
    return (
        marker is not None
        and marker.get("pins") == list(pins)
        and venv_python(venv_dir).exists()
    )


@contextlib.contextmanager
def _lock(venv_dir: Path) -> Iterator[None]:
    """Serialise concurrent setups (e.g. two pytest runs) of the same venv."""
    venv_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(venv_dir.parent / f"{venv_dir.name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _pip_command(venv_dir: Path) -> list[str]:
    """pip of this interpreter driving the target venv (fast), else the venv's own pip."""
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip", "--python", str(venv_python(venv_dir))]
    return [str(venv_python(venv_dir)), "-m", "pip"]


def _installed_versions(venv_dir: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try:\n"
        "        out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError:\n"
        "        out[n] = None\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [str(venv_python(venv_dir)), "-c", code, *REPORTED],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SetupError(f"cannot query versions in {venv_dir}:\n{done.stderr}")
    return json.loads(done.stdout)


def ensure_ckan_venv(
    venv_dir: Path = VENV_DIR, pins: Sequence[str] = PINS, quiet: bool = True
) -> Path:
    """Make sure ``venv_dir`` holds ckanext-dcat with ``pins``; return its python.

    Raises :class:`SetupError` (message includes the tail of pip's output) when
    pip fails. A failed venv has no marker, so the next call starts afresh.
    """
    if is_ready(venv_dir, pins):
        return venv_python(venv_dir)
    with _lock(venv_dir):
        if is_ready(venv_dir, pins):  # another process finished it meanwhile
            return venv_python(venv_dir)
        t0 = time.perf_counter()
        pip = _pip_command(venv_dir)
        # clear=True: a half-built or outdated venv is rebuilt from scratch.
        venv.EnvBuilder(clear=True, with_pip=pip[0] != sys.executable).create(venv_dir)
        if not quiet:
            print(f"installing {' '.join(pins)} into {venv_dir} ...", flush=True)
        cmd = [*pip, "install", "--disable-pip-version-check", "--no-input", *pins]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-40:])
            raise SetupError(
                f"pip install failed with exit code {done.returncode} while creating "
                f"{venv_dir}\ncommand: {' '.join(cmd)}\n--- pip output (tail) ---\n{tail}"
            )
        marker = {
            "pins": list(pins),
            "installed": _installed_versions(venv_dir),
            "python": subprocess.run(
                [str(venv_python(venv_dir)), "-c", "import sys; print(sys.version.split()[0])"],
                capture_output=True, text=True, check=True,
            ).stdout.strip(),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        (venv_dir / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n")
        if not quiet:
            print(f"done in {marker['seconds']} s: {marker['installed']}", flush=True)
    return venv_python(venv_dir)


def main() -> int:
    """CLI entry point: exit 0 when the venv is ready, 1 with pip's output otherwise."""
    try:
        if is_ready():
            print(f"{VENV_DIR} is up to date: {read_marker()['installed']}")
            return 0
        ensure_ckan_venv(quiet=False)
    except SetupError as exc:
        print(f"setup_ckan_venv: ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
