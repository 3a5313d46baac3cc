"""OAI-PMH 2.0 provider at ``/oai``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["oai-pmh"])
