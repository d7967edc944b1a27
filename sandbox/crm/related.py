"""Related records placeholder; replaced below."""

from __future__ import annotations

from typing import Any

from sandbox.http import ApiError


def routes(ctx: Any, module: Any, rest: list[str], external: str | None) -> dict[str, Any]:
    raise ApiError("INVALID_URL_PATTERN")
