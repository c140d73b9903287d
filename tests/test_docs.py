"""The README promises what the code does: setup commands, settings, exit codes."""

from __future__ import annotations

import re

from ingest.config import Settings
from ingest.errors import EXIT_BAD_INPUT, EXIT_INVALID_DATA, EXIT_OK, EXIT_STORE

from .conftest import PROJECT

README = (PROJECT / "README.md").read_text(encoding="utf-8")


def test_the_two_commands_are_in_the_readme_and_ci_runs_the_test_one() -> None:
    assert "python3 scripts/dev.py serve" in README
    assert "python3 scripts/dev.py test" in README
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^exec python3 scripts/dev.py test$", ci, re.M)


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"KIEZGRAPH_{name.upper()}" in README, f"KIEZGRAPH_{name.upper()} undocumented"


def test_exit_codes_are_documented() -> None:
    for code in (EXIT_OK, EXIT_INVALID_DATA, EXIT_BAD_INPUT, EXIT_STORE):
        assert re.search(rf"^\|\s*{code}\s*\|", README, re.M), f"exit code {code}"


def test_no_machine_paths_in_tracked_text() -> None:
    machine_root = "/" + PROJECT.parent.name + "/"  # the folder this checkout lives in
    for path in [PROJECT / "README.md", *PROJECT.glob("data/*.csv"), *PROJECT.glob("bench/*")]:
        if path.is_file():
            assert machine_root not in path.read_text(encoding="utf-8", errors="ignore"), path


def test_data_readme_lists_every_table_as_declared() -> None:
    from ingest.tables import reference_markdown

    text = (PROJECT / "data" / "README.md").read_text(encoding="utf-8")
    assert reference_markdown() in text, "run: python -m ingest.tables and update data/README.md"
