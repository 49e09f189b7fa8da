"""A ``poise worker`` loads what its jobs need, not the web app: every test starts real
workers, and an operator restarts them, so each module it imports is paid for at every start."""

from __future__ import annotations

import json
import subprocess
import sys

from poise.settings import Settings

WEB_ONLY = ("fastapi", "starlette", "jinja2")

SCRIPT = """
import json, sys
from poise.cli.workers import worker_app
from poise.settings import Settings
worker_app(Settings.model_validate_json(sys.argv[1]))
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in sys.argv[2:])))
"""


def test_a_worker_app_imports_no_web_framework(settings: Settings) -> None:
    """The weekly digest and the hotspot alerts parsed days with the routes' helpers, which
    brought FastAPI (a fifth of a second) into every worker for no route."""
    broker = settings.model_copy(update={"broker_url": "redis://127.0.0.1:6379/7"})
    loaded = subprocess.run(
        [sys.executable, "-c", SCRIPT, broker.model_dump_json(), *WEB_ONLY],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(loaded.stdout) == []
