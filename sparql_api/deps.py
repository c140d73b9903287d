"""Dependencies shared by the routes: the backend opened once at startup."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ingest.config import Settings
from ingest.store import EmbeddedBackend, RemoteBackend


def get_backend(request: Request) -> EmbeddedBackend | RemoteBackend:
    return request.app.state.backend  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


BackendDep = Annotated[EmbeddedBackend | RemoteBackend, Depends(get_backend)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
