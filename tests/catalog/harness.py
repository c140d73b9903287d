"""Check any DCAT catalogue (Turtle text) like the official validators and CKAN do.

* :func:`shacl_report` runs one SHACL profile of
  ``shared/standards/examples/check_dcat.py`` in-process (same shape files,
  ontologies and vocabulary memberships as that script).
* :func:`ckan_datasets` parses the catalogue with the real ckanext-dcat
  ``RDFParser`` in the separate venv ``var/ckan-venv`` (created on first use by
  ``scripts/setup_ckan_venv.py``; about 20 s and 215 MB, once).

Usage in a test::

    report = shacl_report(turtle, DCAT_AP_DE_3)
    assert report.conforms, report
    parsed = ckan_datasets(turtle)
    assert parsed["euro_dcat_ap_3"]["datasets"][0]["title"] == "..."
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pyshacl
import rdflib
from rdflib.namespace import RDF, SH

PROJECT = Path(__file__).resolve().parents[2]
#: The shared validation assets (shape files, vocabularies, samples, check_dcat.py).
STANDARDS: Path = PROJECT.parent / "shared" / "standards"
CHECK_DCAT = STANDARDS / "examples" / "check_dcat.py"
SAMPLE = STANDARDS / "examples" / "sample-catalog.ttl"
SAMPLE_INVALID = STANDARDS / "examples" / "sample-catalog-invalid.ttl"
CKAN_PARSE = Path(__file__).resolve().parent / "ckan_parse.py"
SETUP_SCRIPT = PROJECT / "scripts" / "setup_ckan_venv.py"

#: Profile names exactly as ``check_dcat.py -p`` spells them.
PROFILES: tuple[str, ...] = (
    "dcat-ap-de-2.0",               # DCAT-AP.de 2.0 (GovData v20_de_spec)
    "dcat-ap-de-2.0-konventionen",  # DCAT-AP.de 2.0 + Konventionen (GovData v20_de_spec_implr)
    "dcat-ap-de-3.0",               # DCAT-AP.de 3.0 (GovData v30_de_spec)
    "semic-3.0.1-full",             # DCAT-AP 3 (SEMIC 3.0.1, ITB "Full")
    "semic-3.0.1-codelists",        # SEMIC 3.0.1 controlled vocabularies
    "semic-3.0.1-full1",            # SEMIC 3.0.1 individual-constraints file
)
DCAT_AP_DE_3 = "dcat-ap-de-3.0"
"""DCAT-AP.de 3.0 — the German profile to target."""
DCAT_AP_DE_2_KONVENTIONEN = "dcat-ap-de-2.0-konventionen"
"""DCAT-AP.de 2.0 + GovData Konventionen (what GovData's 2.0 harvester checks)."""
DCAT_AP_3_SEMIC = "semic-3.0.1-full"
"""DCAT-AP 3 (SEMIC 3.0.1 Full: base + ranges + recommended + deprecated URIs)."""


@dataclass
class Report:
    """Top-level SHACL results of one profile, one line per result."""

    profile: str
    violations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """True when there is no sh:Violation (warnings and infos are allowed)."""
        return not self.violations

    def __str__(self) -> str:
        lines = [f"{self.profile}: {len(self.violations)} violation(s), "
                 f"{len(self.warnings)} warning(s), {len(self.infos)} info(s)"]
        lines += [f"  VIOLATION {v}" for v in self.violations]
        lines += [f"  WARNING {w}" for w in self.warnings]
        return "\n".join(lines)


def _load_module(name: str, path: Path) -> ModuleType:
    """A script file loaded as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def check_dcat() -> ModuleType:
    """``examples/check_dcat.py`` loaded as a module (its functions and file lists)."""
    module = _load_module("kiezgraph_check_dcat", CHECK_DCAT)
    missing = [n for n in ("PROFILES", "ONTOLOGIES", "VOCABULARIES", "STUB", "parse_all",
                           "vocab_members", "drop_dangling_property_links")
               if not hasattr(module, n)]
    if missing:
        raise ImportError(f"{CHECK_DCAT} no longer provides {missing}; update the harness")
    return module


@functools.cache
def _shapes(profile: str) -> rdflib.Graph:
    mod = check_dcat()
    if profile not in mod.PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {list(mod.PROFILES)}")
    shapes = mod.parse_all(mod.PROFILES[profile][1])
    if profile == "semic-3.0.1-full1":  # as check_dcat.py does (upstream bug)
        mod.drop_dangling_property_links(shapes)
    return shapes


@functools.cache
def _ontologies() -> rdflib.Graph:
    return check_dcat().parse_all(check_dcat().ONTOLOGIES)


@functools.cache
def _vocabularies(extra: tuple[Path, ...]) -> rdflib.Graph:
    mod = check_dcat()
    return mod.parse_all([*mod.VOCABULARIES, *extra, mod.STUB])


def _node(report: rdflib.Graph, node: rdflib.term.Node | None) -> str:
    if node is None:
        return "-"
    if isinstance(node, rdflib.BNode):
        # describe blank paths (sequence/inverse paths) and blank focus nodes briefly
        return "[" + ", ".join(f"{p.n3(report.namespace_manager)} {o.n3(report.namespace_manager)}"
                               for p, o in report.predicate_objects(node)) + "]"
    return node.n3(report.namespace_manager)


def shacl_report(turtle: str, profile: str, vocab: tuple[Path, ...] = ()) -> Report:
    """Validate catalogue Turtle with one profile of check_dcat.py (see :data:`PROFILES`).

    Like check_dcat.py: no inference, FOAF/vCard/ORG as ont_graph, and the
    ``skos:inScheme`` memberships of used IRIs copied from the vocabularies
    (plus ``vocab`` files, e.g. official EU tables) into the data graph.
    Only top-level results (``sh:result`` of the report) are listed.
    """
    mod = check_dcat()
    shapes = _shapes(profile)
    data = rdflib.Graph().parse(data=turtle, format="turtle")
    data += mod.vocab_members(data, _vocabularies(tuple(vocab)))
    _, graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=_ontologies(),
        inference="none", allow_warnings=True,
    )
    out = Report(profile)
    buckets = {SH.Violation: out.violations, SH.Warning: out.warnings, SH.Info: out.infos}
    for root in graph.subjects(RDF.type, SH.ValidationReport):
        for result in graph.objects(root, SH.result):
            messages = sorted(str(m) for m in graph.objects(result, SH.resultMessage))
            value = graph.value(result, SH.value)
            line = (f"focus={_node(graph, graph.value(result, SH.focusNode))} "
                    f"path={_node(graph, graph.value(result, SH.resultPath))}"
                    + (f" value={_node(graph, value)}" if value is not None else "")
                    + f": {' | '.join(messages) or '(no message)'}")
            severity = graph.value(result, SH.resultSeverity)
            buckets.get(severity, out.violations).append(line)
    for bucket in buckets.values():
        bucket.sort()
    return out


@functools.cache
def _setup_module() -> ModuleType:
    return _load_module("kiezgraph_setup_ckan_venv", SETUP_SCRIPT)


def ensure_ckan_python() -> Path:
    """The ckan venv's interpreter, creating the venv first if needed.

    Raises ``SetupError`` with pip's output when the installation fails (no skip).
    """
    return _setup_module().ensure_ckan_venv()


def ckan_datasets(turtle: str, locale: str | None = None, timeout: float = 120) -> dict:
    """Parse catalogue Turtle with ckanext-dcat's RDFParser (see ckan_parse.py).

    Returns ``{"euro_dcat_ap_2": {"datasets": [...], "next_page": ...},
    "euro_dcat_ap_3": {...}}``. ``locale`` sets ``ckan.locale_default``
    (CKAN's default ``en`` picks English titles). Raises RuntimeError with the
    parser's stderr when it fails.
    """
    python = ensure_ckan_python()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CKAN_INI")}
    with tempfile.TemporaryDirectory(prefix="kiezgraph-ckan-") as tmp:
        path = Path(tmp) / "catalog.ttl"
        path.write_text(turtle, encoding="utf-8")
        cmd = [str(python), str(CKAN_PARSE), str(path)]
        if locale:
            cmd += ["--locale", locale]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, env=env,
                              timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ckan_parse.py failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)
