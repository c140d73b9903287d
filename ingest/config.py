"""Settings: flags and ``KIEZGRAPH_`` environment variables, with safe defaults.

Nothing else reads the environment; settings are built once in the CLI (or a test
fixture) and passed down.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The open licences of the dcat-ap.de licence vocabulary (http://dcat-ap.de/def/licenses/).
DCAT_AP_DE_LICENCES = frozenset(f"http://dcat-ap.de/def/licenses/{name}" for name in (
    "cc-by/4.0", "cc-by-sa/4.0", "cc-zero", "dl-by-de/2.0", "dl-zero-de/2.0", "odbl",
    "odby", "odcpddl", "cc-by-de/3.0", "cc-by-sa-de/3.0", "dl-by-de/1.0"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KIEZGRAPH_", env_file=".env", extra="forbid", frozen=True
    )

    base_iri: str = Field(
        "http://127.0.0.1:8000",
        description="Base of every minted IRI: things under {base}/id/, terms under {base}/def/.",
    )
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Curated CSV files.")
    ontology_dir: Path = Field(PROJECT_ROOT / "ontology", description="Ontology (Turtle).")
    shapes_dir: Path = Field(PROJECT_ROOT / "shapes", description="SHACL shapes (Turtle).")
    store_dir: Path = Field(
        PROJECT_ROOT / "var" / "store",
        description="Embedded store: releases and the pointer to the current one.",
    )
    backend: Literal["embedded", "remote"] = Field(
        "embedded", description="Embedded Oxigraph on disk, or an external SPARQL server."
    )
    remote_query_url: str | None = Field(
        None, description="SPARQL query endpoint of the external server (backend=remote)."
    )
    remote_update_url: str | None = Field(
        None, description="SPARQL update endpoint of the external server, used by ingest "
        "(backend=remote)."
    )
    keep_releases: int = Field(3, ge=1, description="Releases kept on disk besides the current.")
    host: str = Field("127.0.0.1", description="Address the server binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port the server listens on.")
    query_timeout: float = Field(30.0, gt=0, description="Seconds a SPARQL query may run.")
    query_workers: int = Field(
        4, ge=1, le=64, description="Query worker processes (shared out among the HTTP workers)."
    )
    access_log: bool = Field(
        False, description="Log every HTTP request (costs throughput; a reverse proxy in "
        "front usually keeps this log)."
    )
    http_workers: int = Field(
        0, ge=0, le=64, description="HTTP server processes; 0: one per CPU core, at most 4."
    )
    max_request_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest accepted request body (413 above)."
    )
    max_result_bytes: int = Field(
        512 * 1024 * 1024, ge=1024, description="Largest answer a query may produce (503 above)."
    )
    cache_bytes: int = Field(
        64 * 1024 * 1024, ge=0, description="Memory for cached complete answers."
    )
    publisher_name: str = Field(
        "Betreiber dieser Kiezgraph-Instanz (keine amtliche Stelle)",
        description="Publisher named in the DCAT catalogue: whoever runs this instance.",
    )
    publisher_url: str | None = Field(
        None, description="Web page of the publisher (default: this instance's home page)."
    )
    contact_email: str | None = Field(
        None, description="Contact e-mail of the catalogue (default: none, the home page)."
    )
    licence: str = Field(
        "http://dcat-ap.de/def/licenses/cc-by/4.0",
        description="Licence of the published graph, from the dcat-ap.de licence vocabulary.",
    )
    contributor_id: str | None = Field(
        None, description="dcatde:contributorID, e.g. http://dcat-ap.de/def/contributors/... "
        "(only for instances that GovData knows)."
    )
    catalog_page_size: int = Field(
        50, ge=1, le=1000, description="Datasets per page of the DCAT catalogue."
    )
    allow_service: bool = Field(
        False, description="Allow federated queries (SERVICE) to other endpoints."
    )

    @field_validator("licence")
    @classmethod
    def _check_licence(cls, value: str) -> str:
        if value not in DCAT_AP_DE_LICENCES:
            raise ValueError("must be a licence of the dcat-ap.de vocabulary, e.g. "
                             "http://dcat-ap.de/def/licenses/cc-by/4.0 or "
                             "http://dcat-ap.de/def/licenses/dl-by-de/2.0")
        return value

    @field_validator("contributor_id")
    @classmethod
    def _check_contributor(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
                r"http://dcat-ap\.de/def/contributors/[A-Za-z0-9]+", value):
            raise ValueError("must look like http://dcat-ap.de/def/contributors/berlinOpenData")
        return value

    @field_validator("contact_email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("must be an e-mail address")
        return value

    @field_validator("base_iri")
    @classmethod
    def _check_base(cls, value: str) -> str:
        value = value.rstrip("/")
        if not value.startswith(("http://", "https://")) or " " in value:
            raise ValueError("must be an absolute http(s) IRI such as https://example.org")
        if "#" in value or "?" in value:
            raise ValueError("must not contain '#' or '?'")
        return value
