"""Training commands: ``poise eval reply-feedback`` (mounted on the eval group by ``poise.cli``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from poise.cli.context import fail, out


def eval_reply_feedback(
    data: Annotated[
        Path, typer.Option("--data", help="JSONL of {customer, reply, and six 0/1 labels}.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score the reply-feedback rules on labelled replies: precision, recall, F1 per label."""
    from poise.training.feedback import LABELS, evaluate, read_labelled

    if not data.is_file():
        fail(f"no such file: {data}")
    try:
        rows = read_labelled(data.read_text(encoding="utf-8").splitlines())
    except ValueError as exc:
        fail(f"{data}: {exc}")
    if not rows:
        fail(f"{data}: no labelled replies")
    report = evaluate(rows)
    if as_json:
        typer.echo(json.dumps(report))
        return
    labels = report["labels"]
    assert isinstance(labels, dict)
    out.print(f"{report['n']} replies", highlight=False)
    for label in LABELS:
        s = labels[label]
        out.print(
            f"{label:16} precision {s['precision']:.4f}  recall {s['recall']:.4f}  "
            f"F1 {s['f1']:.4f}",
            highlight=False,
        )
    out.print(f"macro-F1 {report['macro_f1']:.4f}", highlight=False)
