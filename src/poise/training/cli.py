"""Training commands: ``poise training remind``, and ``poise eval reply-feedback`` (mounted
on the eval group by ``poise.cli``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from poise.cli.context import counting, fail, load_settings, open_session, out
from poise.files import not_a_file
from poise.words import counted

training_app = typer.Typer(
    help="Agents' training (lessons and quizzes): its chores that run on a schedule. Poise's "
    "models are trained by `poise train`.",
    no_args_is_help=True,
)


@training_app.command("remind")
def remind() -> None:
    """E-mail each person what is due in training today (once a day; safe to rerun).

    Needs POISE_SMTP_URL. `poise serve` also does this by itself each day at
    POISE_REMINDER_HOUR; run this from cron instead when the web app runs elsewhere.
    """
    import smtplib

    from poise.mail import Mailer
    from poise.training.reminders import send_reminders

    settings = load_settings()
    mailer = Mailer.from_url(settings.smtp_url, settings.mail_from)
    if mailer is None:
        fail("set POISE_SMTP_URL to send e-mail reminders; in the app, Today already shows them")
    with open_session(settings) as session, counting("Reminding") as advance:
        try:
            report = send_reminders(
                session, mailer=mailer, base_url=settings.base_url, progress=advance
            )
        except (OSError, smtplib.SMTPException) as exc:
            where = f"{mailer.server.host}:{mailer.server.port}"
            fail(f"could not hand mail to {where}: {exc}")
    out.print(str(report), highlight=False)
    for failure in report.failed:
        out.print(f"  failed: {failure}", highlight=False)
    if report.failed:
        raise typer.Exit(1)


def eval_reply_feedback(
    data: Annotated[
        Path, typer.Option("--data", help="JSONL of {customer, reply, and six 0/1 labels}.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    real: Annotated[
        bool,
        typer.Option(
            "--real",
            help="Judge the replies as AutoQA judges agents' real replies (their own heads: "
            "brush-offs and blame are rare there); default: as practice feedback.",
        ),
    ] = False,
) -> None:
    """Score the reply feedback on labelled replies: precision, recall, F1 per label."""
    from poise.training.feedback import LABELS, evaluate, read_labelled

    if problem := not_a_file(data):
        fail(problem)
    try:
        rows = read_labelled(data.read_text(encoding="utf-8").splitlines())
    except ValueError as exc:
        fail(f"{data}: {exc}")
    if not rows:
        fail(f"{data}: no labelled replies")
    with counting("Judging replies") as advance:
        report = evaluate(rows, real=real, progress=advance)
    if as_json:
        typer.echo(json.dumps(report))
        return
    labels = report["labels"]
    assert isinstance(labels, dict)
    n = report["n"]
    assert isinstance(n, int)
    out.print(counted(n, "reply", "replies"), highlight=False)
    for label in LABELS:
        s = labels[label]
        out.print(
            f"{label:16} precision {s['precision']:.4f}  recall {s['recall']:.4f}  "
            f"F1 {s['f1']:.4f}",
            highlight=False,
        )
    out.print(f"macro-F1 {report['macro_f1']:.4f}", highlight=False)


def train_reply_feedback_command(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="The shared data folder (for twcs).")
    ] = None,
    c: Annotated[
        float,
        typer.Option(help="Inverse regularisation of each head (0.5 and 2 did no better)."),
    ] = 1.0,
) -> None:
    """Fit the reply-feedback heads (practice's, and AutoQA's for real replies), report
    figures on held-out sets, save the artifacts."""
    from poise.signals.training.data import default_data_dir
    from poise.training.feedback_model import ARTIFACT, REAL_ARTIFACT
    from poise.training.feedback_training import TWCS_SAMPLE, train_reply_feedback

    root = Path(__file__).resolve().parents[3]
    data = data_dir or default_data_dir()
    fixtures = root / "tests" / "training" / "fixtures"
    if not fixtures.is_dir():
        fail("run this from a source checkout: the labelled sets live in tests/training/fixtures")
    tweets = data / TWCS_SAMPLE
    if not tweets.is_file():  # without it the heads trained on less and replaced the shipped ones
        fail(f"twcs sample not found: {tweets} (pass --data-dir or set POISE_SHARED_DATA)")
    report = train_reply_feedback(  # progress on stderr: stdout is the JSON report's alone
        data,
        fixtures,
        ARTIFACT,
        log=lambda line: typer.echo(line, err=True),
        c=c,
        real_artifact=REAL_ARTIFACT,
    )
    typer.echo(json.dumps(report, indent=2))
