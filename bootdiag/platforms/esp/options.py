"""What ESP images are checked against besides the keys (``bootdiag verify`` options), validated
by pydantic when a verification is asked for."""
from __future__ import annotations

from pydantic import BaseModel, Field


class EspVerifyOptions(BaseModel):
    efuse_summary: str | None = None  # path to an `espefuse summary` output (text or JSON)
    key_digests: list[str] = Field(default_factory=list)  # hex key digests as burned in eFuse
