"""The exception hierarchy and the CLI exit codes it maps to.

SHACL non-conformance is a result (``validate.Outcome``), not an exception; it is
turned into :class:`InvalidDataError` only where a command must stop.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_INVALID_DATA = 1  # curated data malformed, broken reference or SHACL violation
EXIT_BAD_INPUT = 2  # wrong command-line usage, unparsable query, bad setting
EXIT_STORE = 3  # store missing, locked, unreadable or not writable


class KiezgraphError(Exception):
    exit_code = EXIT_BAD_INPUT


class ConfigError(KiezgraphError):
    """A setting is missing or malformed."""


class BadInputError(KiezgraphError):
    """A user-supplied argument (a query, a format name) cannot be used."""


class StoreError(KiezgraphError):
    exit_code = EXIT_STORE


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the curated data, located as precisely as possible."""

    file: str
    line: int | None
    field: str | None
    rule: str
    fix: str
    record: str | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.record:
            parts.append(f"record '{self.record}'")
        if self.field:
            parts.append(f"field '{self.field}'")
        return f"{', '.join(parts)}: {self.rule}. Fix: {self.fix}"


class InvalidDataError(KiezgraphError):
    """The curated data cannot be published; ``problems`` says where and why."""

    exit_code = EXIT_INVALID_DATA

    def __init__(self, problems: list[Problem], summary: str = "the curated data is invalid"):
        self.problems = problems
        super().__init__(f"{summary}: {len(problems)} problem(s)")
