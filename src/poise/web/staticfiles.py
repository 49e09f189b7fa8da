"""Static files that answer 404, not 500, for a path no file can have (a NUL byte)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


class SafeStaticFiles(StaticFiles):
    """``StaticFiles`` whose path lookup turns the OS's "embedded null byte" into a 404."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if "\x00" in path:
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)
