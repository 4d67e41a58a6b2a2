"""What the staff console's refund routes answer (besides the refund itself, RefundView in
responses.py), as OpenAPI models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .responses import RefundView


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RefundsPage(_Answer):
    items: list[RefundView] = Field(description="newest first")
    total: int = Field(description="items matching, over all pages")
    limit: int
    offset: int


class RefundCancelResult(_Answer):
    changed: bool = Field(description="false: the refund was cancelled already")
    refund: RefundView = Field(description="the refund as it now is")
