"""Grants' HTTP API (/v1)."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["grants"])
