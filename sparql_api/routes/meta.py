"""Health: is a release being served, and which one."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ingest.errors import StoreError

from ..deps import BackendDep, SettingsDep

router = APIRouter()


@router.get("/health", summary="Service health and the release being served")
def health(backend: BackendDep, settings: SettingsDep) -> JSONResponse:
    try:
        release = backend.release_id()
    except StoreError as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", "release": release, "backend": settings.backend,
                         "base_iri": settings.base_iri})
