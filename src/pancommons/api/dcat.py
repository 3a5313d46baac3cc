"""DCAT-AP 3.0.1 catalogue at ``/dcat`` and ``/dcat/{facility}`` (Hydra paging)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["dcat"])
