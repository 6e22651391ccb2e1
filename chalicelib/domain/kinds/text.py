"""주관식: free text."""

from __future__ import annotations

from chalicelib.domain.kinds.base import Kind


class Text(Kind):
    code, name, aliases = "text", "주관식", ("단답",)
