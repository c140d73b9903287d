"""The ``kiezgraph`` command: ingest, validate, query, stats, serve and fetch.

It parses arguments, sets up logging and maps errors to exit codes; the work is
done in ``ingest`` and ``sparql_api``.

Exit codes: 0 ok, 1 invalid data (malformed file, broken reference, SHACL
violation), 2 bad input (usage, unparsable query, bad setting), 3 store error (for
fetch: a layer could not be updated).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ingest.config import Settings
from ingest.errors import (
    EXIT_BAD_INPUT,
    EXIT_INVALID_DATA,
    EXIT_OK,
    EXIT_STORE,
    BadInputError,
    InvalidDataError,
    KiezgraphError,
)
from ingest.geo_sources import SOURCES

if TYPE_CHECKING:
    from ingest.fetch import LayerResult

log = logging.getLogger("kiezgraph")

EXIT_CODES_HELP = """exit codes:
  0  success
  1  invalid data: a malformed data file, a broken reference or a SHACL violation
  2  bad input: wrong usage, an unparsable query or a bad setting
  3  store error: the store is missing, locked, unreadable or not writable;
     fetch: a layer could not be updated (its files were kept)"""


def _settings_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("settings (each also as KIEZGRAPH_<NAME> variable)")
    group.add_argument("--store-dir", type=Path, help="store folder (KIEZGRAPH_STORE_DIR)")
    group.add_argument("--data-dir", type=Path, help="curated data folder (KIEZGRAPH_DATA_DIR)")
    group.add_argument("--base-iri", help="base of all minted IRIs (KIEZGRAPH_BASE_IRI)")
    group.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    return parent


def build_parser() -> argparse.ArgumentParser:
    common = _settings_parent()
    parser = argparse.ArgumentParser(
        prog="kiezgraph",
        description="Kiezgraph: the Berlin programme 'Sozialer Zusammenhalt' as a knowledge graph.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_text, description=help_text,
                              epilog=EXIT_CODES_HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    add("ingest", "Validate the curated data and publish it as a new release of the store "
        "(all-or-nothing: on any error the published release stays as it was).")
    validate = add("validate", "Check the curated data against the ontology and SHACL shapes "
                   "without loading it; prints every problem with file, line and field.")
    validate.add_argument("--report", type=Path,
                          help="also write the SHACL validation report (Turtle) to this file")
    query = add("query", "Run a SPARQL query over all named graphs of the current release.")
    query.add_argument("query", nargs="?", help="the query text, or '-' to read standard input")
    query.add_argument("-f", "--file", type=Path, help="read the query from this file")
    query.add_argument("--format", default="table",
                       choices=["table", "json", "xml", "csv", "tsv", "turtle", "ntriples",
                                "nquads", "trig", "rdfxml", "jsonld"],
                       help="output format: a table, or a standard SPARQL result format for "
                            "SELECT/ASK, or an RDF format for CONSTRUCT/DESCRIBE "
                            "(default: table)")
    add("stats", "Print triple counts per named graph and instance counts per class.")
    serve = add("serve", "Serve the SPARQL and linked-data API (ingests first when the store is "
                "missing or older than the data).")
    serve.add_argument("--host", help="bind address (default 127.0.0.1, KIEZGRAPH_HOST)")
    serve.add_argument("--port", type=int, help="port (default 8000, KIEZGRAPH_PORT)")
    serve.add_argument("--no-ingest", action="store_true",
                       help="serve the current release even if the data changed")
    fetch = add("fetch", "Update the Berlin geodata in data/geo/ from the live WFS services "
                "(per layer all-or-nothing: a layer that fails keeps its files).")
    fetch.add_argument("--only", action="append", default=[], metavar="LAYER",
                       help="fetch only this layer (repeatable): "
                            + ", ".join(source.id for source in SOURCES))
    fetch.add_argument("--service", action="append", default=[], metavar="LAYER=URL",
                       help="fetch LAYER from this WFS endpoint instead of the registry's "
                            "(repeat for fallbacks, tried in order)")
    fetch.add_argument("--timeout", type=float, default=60.0,
                       help="seconds to wait for a connection or the next data (default 60)")
    fetch.add_argument("--retries", type=int, default=3,
                       help="retries after a connection error, timeout, 5xx or 429, with "
                            "exponential backoff (default 3)")
    fetch.add_argument("--max-bytes", type=int, default=512 * 1024 * 1024,
                       help="largest answer accepted per download (default 512 MiB)")
    return parser


def make_settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for name in ("store_dir", "data_dir", "base_iri", "host", "port"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return Settings(**overrides)


def _progress(message: str) -> None:
    log.info(message)


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.pipeline import ingest

    meta = ingest(settings, _progress)
    print(f"published release {meta['release_id']}: {meta['triples']} triples in "
          f"{len(meta['graphs'])} named graphs")  # type: ignore[arg-type]
    return EXIT_OK


def cmd_validate(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.pipeline import build, check

    built = build(settings)
    outcome = check(built)
    if args.report:
        outcome.report.serialize(args.report, format="turtle")
    for finding in outcome.findings:
        print(finding.as_problem(built.vocab))
    violations = len(outcome.violations)
    print(f"{sum(len(g) for g in built.data.values())} triples checked: {violations} "
          f"violation(s), {len(outcome.findings) - violations} warning(s)")
    return EXIT_INVALID_DATA if violations else EXIT_OK


def cmd_query(settings: Settings, args: argparse.Namespace) -> int:
    from sparql_api.querying import run_cli_query

    if args.file:
        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            print(f"kiezgraph: cannot read {args.file}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    elif args.query in (None, "-"):
        text = sys.stdin.read()
    else:
        text = args.query
    if not text.strip():
        print("kiezgraph: no query given (pass it as argument, with --file, or on stdin)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    run_cli_query(settings, text, args.format, sys.stdout.buffer)
    sys.stdout.flush()
    return EXIT_OK


def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    from sparql_api.querying import stats_table

    print(stats_table(settings))
    return EXIT_OK


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from sparql_api.server import serve

    serve(settings, ingest_if_outdated=not args.no_ingest)
    return EXIT_OK


def _service_overrides(items: list[str]) -> dict[str, list[str]]:
    services: dict[str, list[str]] = {}
    for item in items:
        layer, _, url = item.partition("=")
        if not url.startswith(("http://", "https://")):
            raise BadInputError(f"--service wants LAYER=URL with an http(s) URL, not '{item}'")
        services.setdefault(layer, []).append(url)
    return services


def _print_layer(result: LayerResult) -> None:
    if result.status == "updated":
        print(f"{result.layer}: updated, {result.features} features from {result.service}")
    elif result.status == "unchanged":
        print(f"{result.layer}: unchanged (304 Not Modified), {result.features} features")
    else:
        for error in result.errors:
            print(f"kiezgraph: {error}", file=sys.stderr)
        print(f"kiezgraph: {result.layer}: not updated; its files were kept", file=sys.stderr)


def _print_unmatched(settings: Settings) -> None:
    from ingest.geo_sources import unmatched_areas

    missing, total = unmatched_areas(settings.data_dir)
    for key, name in missing:
        print(f"no known area: {key} {name}")
    print(f"qm-areas: {len(missing)} of {total} features match no area in areas.csv "
          "(a report, not an error)")


def cmd_fetch(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.fetch import FetchOptions, fetch_layers
    from ingest.geo_sources import select_sources

    if args.timeout <= 0 or args.retries < 0 or args.max_bytes <= 0:
        raise BadInputError("--timeout and --max-bytes must be positive, --retries not negative")
    try:
        sources = select_sources(args.only, _service_overrides(args.service))
    except KeyError as exc:
        raise BadInputError(f"unknown layer {exc}; known layers: "
                            f"{', '.join(s.id for s in SOURCES)}") from None
    options = FetchOptions(timeout=args.timeout, retries=args.retries, max_bytes=args.max_bytes)
    results = fetch_layers(settings, sources, options, _print_layer)
    if any(r.layer == "qm-areas" and r.status != "failed" for r in results):
        _print_unmatched(settings)
    failed = [r.layer for r in results if r.status == "failed"]
    print(f"fetch: {len(results) - len(failed)} of {len(results)} layers up to date"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return EXIT_STORE if failed else EXIT_OK


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "ingest": cmd_ingest, "validate": cmd_validate, "query": cmd_query,
    "stats": cmd_stats, "serve": cmd_serve, "fetch": cmd_fetch,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="kiezgraph: %(message)s", stream=sys.stderr)
    try:
        settings = make_settings(args)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            print(f"kiezgraph: bad setting {where}: {err['msg']}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return COMMANDS[args.command](settings, args)
    except InvalidDataError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"kiezgraph: {exc}; nothing was published", file=sys.stderr)
        return exc.exit_code
    except KiezgraphError as exc:
        print(f"kiezgraph: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("kiezgraph: interrupted; the published release is unchanged", file=sys.stderr)
        return 130


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()

