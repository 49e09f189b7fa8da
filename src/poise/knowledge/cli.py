"""``poise kb …`` (mine, search, fcr, gaps) and ``poise eval kb``.

Heavy work is imported inside each command, so mounting these costs nothing at start-up.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from poise.cli.context import console, fail, load_settings, open_session, out, progress_bar
from poise.errors import InvalidInput
from poise.files import inside_a_file, not_a_file
from poise.words import counted

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from poise.minilm.encoder import FloatArray

REPO = Path(__file__).resolve().parents[3]
kb_app = typer.Typer(help="The issue & resolution manual.", no_args_is_help=True)
EncoderOption = Annotated[
    str,
    typer.Option(
        "--encoder",
        help="intents: the manual's tuned MiniLM (what Poise uses); general: the MiniLM it "
        "was tuned from (the baseline).",
    ),
]


def _encoder(name: str) -> Callable[[list[str]], FloatArray]:
    """The named encoder's ``encode``; an unknown name is a usage error."""
    from poise.minilm.encoder import ENCODERS, encoder_named

    if name not in ENCODERS:
        fail(f"--encoder must be one of {', '.join(ENCODERS)}")
    return encoder_named(name).encode


def _cache_folder(cache: Path | None) -> None:
    """Refuse a --cache that cannot be a folder before the work: the embeddings were computed,
    then "[Errno 20] Not a directory" ended the command."""
    if cache is None:
        return
    if cache.exists() and not cache.is_dir():
        fail(f"--cache {cache} is a file: name a folder for the cached embeddings")
    if problem := inside_a_file(cache):
        fail(f"--cache: {problem}")


def _shared_data(data_dir: Path | None) -> Path:
    shared = os.environ.get("POISE_SHARED_DATA")
    return data_dir or (Path(shared) if shared else REPO.parent / "shared" / "data")


@kb_app.command("reembed")
def reembed_command() -> None:
    """Re-embed the manual's issues, phrasings, gaps and mined conversations with the encoder
    this Poise ships (after an upgrade; search works before it, a little slower)."""
    from poise.knowledge.vectors import ENCODER_VERSION, reembed, stored_current

    settings = load_settings()
    with open_session(settings) as session:
        if stored_current(session):
            console.print(f"The manual's vectors are already from {ENCODER_VERSION}.")
            return
        with progress_bar() as progress:
            task = progress.add_task("Re-embedding the manual", total=None)
            done = reembed(
                session, lambda n, total: progress.update(task, completed=n, total=total)
            )
    console.print(f"Re-embedded {counted(done['vectors'], 'text')} with {ENCODER_VERSION}.")


@kb_app.command("mine")
def mine_command(
    min_size: Annotated[int, typer.Option(help="Smallest group that becomes a proposal.")] = 3,
    threshold: Annotated[
        float,
        typer.Option(help="How close (cosine) a leftover must be to a group's centre to join it."),
    ] = 0.5,
) -> None:
    """Group resolved conversations by issue and propose a draft per group (resumable)."""
    from poise.knowledge.mining import MiningConfig, mine

    if min_size < 1 or not 0 < threshold < 1:
        fail("--min-size must be ≥ 1 and --threshold between 0 and 1")
    settings = load_settings()
    config = MiningConfig(min_size=min_size, join_threshold=threshold)
    with open_session(settings) as session, progress_bar() as progress:
        task = progress.add_task("Embedding issues", total=None)

        def advance(done: int, total: int, step: str = "") -> None:
            description = step.capitalize() if step else "Embedding issues"
            progress.update(task, completed=done, total=total, description=description)

        summary = mine(
            session,
            actor=None,
            window_days=settings.fcr_window_days,
            config=config,
            progress=advance,
        )
    console.print(f"Mined: {summary}. Review them at /manual/proposals.")


@kb_app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="The customer's words.")],
    limit: Annotated[int, typer.Option(min=1, max=50, help="How many articles.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Search the published manual (gaps are not logged from the command line)."""
    from poise.knowledge.search import search

    if not query.strip():  # the API refuses it too; searched, it reads as a gap
        fail("give the customer's words to search for")
    with open_session(load_settings()) as session:
        result = search(session, query, limit=limit)
        empty = not result.hits and not _published(session)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "gap": result.gap,
                    "confidence": round(result.confidence, 4),
                    "hits": [h.as_dict() for h in result.hits],
                }
            )
        )
        return
    if empty:  # "No good match (best match 0%): a gap" blamed the words, not the empty manual
        out.print("The manual has no published articles yet: write one at /manual/new.")
        return
    if result.gap:
        out.print(f"No good match (best match {result.confidence:.0%}): a gap.")
    for hit in result.hits:
        out.print(f"{hit.score:4.0%}  #{hit.article_id}  {hit.title}", highlight=False)


def _published(session: Session) -> bool:
    """Whether the manual has a published article to search."""
    from sqlalchemy import select

    from poise.knowledge.models import Article

    found = select(Article.id).where(Article.status == "published").limit(1)
    return session.scalar(found) is not None


@kb_app.command("fcr")
def fcr_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """First contact resolution (FCR: resolved with no repeat contact about the same issue
    within POISE_FCR_WINDOW_DAYS) overall and per article, product and team."""
    from poise.knowledge.fcr import fcr_report

    settings = load_settings()
    with open_session(settings) as session:
        report = fcr_report(session, window_days=settings.fcr_window_days)
    groups = {
        "article": report.by_article,
        "product": report.by_product,
        "team": report.by_team,
    }
    if as_json:
        payload = {
            "window_days": report.window_days,
            "resolved": report.overall.resolved,
            # null, not 0.0, with nothing resolved: 0.0 read as every contact failing
            "fcr": round(report.overall.rate, 4) if report.overall.resolved else None,
            **{
                name: [
                    {"label": r.label, "resolved": r.resolved, "fcr": round(r.rate, 4)}
                    for r in rows
                ]
                for name, rows in groups.items()
            },
        }
        typer.echo(json.dumps(payload))
        return
    if not report.overall.resolved:  # "FCR 0.0%" read as every contact failing
        out.print("No resolved conversations yet, so no first contact resolution to measure.")
        return
    resolved = counted(report.overall.resolved, "resolved conversation")
    out.print(f"FCR {report.overall.rate:.1%} of {resolved}")
    for name, rows in groups.items():
        for r in rows[:20]:
            out.print(f"  {name:8} {r.rate:6.1%} {r.resolved:6d}  {r.label}", highlight=False)


def eval_kb(
    train: Annotated[Path, typer.Option("--train", help="Past lines: JSONL of {text, issue}.")],
    test: Annotated[Path, typer.Option("--test", help="New lines: JSONL of {text, issue}.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    cache: Annotated[
        Path | None, typer.Option(help="Folder to cache embeddings in between runs.")
    ] = None,
    encoder: EncoderOption = "intents",
) -> None:
    """Match each new line to the past lines' issues: Poise beside a BM25 baseline."""
    from poise.knowledge.evaluation import cached_encoder, evaluate, read_jsonl

    for path in (train, test):
        if problem := not_a_file(path):
            fail(problem)
    try:
        past, new = read_jsonl(train), read_jsonl(test)
    except InvalidInput as exc:
        fail(str(exc))
    _cache_folder(cache)
    encode = cached_encoder(_encoder(encoder), cache / encoder if cache else None)
    report = evaluate(past, new, encode=encode)
    if as_json:
        typer.echo(json.dumps(report))
        return
    n, known, gaps = (report[key] for key in ("n", "known", "gaps"))
    assert isinstance(n, int) and isinstance(known, int) and isinstance(gaps, int)
    out.print(f"{counted(n, 'new line')} ({known:,} of known issues, {counted(gaps, 'gap')})")
    for name in ("poise", "bm25"):
        s = report[name]
        assert isinstance(s, dict)
        gap = "—" if s["gap_auc"] is None else f"{s['gap_auc']:.4f}"
        out.print(
            f"{name:6} acc@1 {s['acc1']:.4f}  MRR {s['mrr']:.4f}  recall@5 {s['recall5']:.4f}  "
            f"gap ROC-AUC {gap}",
            highlight=False,
        )


def eval_kb_mining(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Shared data (default: ../shared/data).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    cache: Annotated[
        Path | None, typer.Option(help="Folder to cache embeddings in between runs.")
    ] = None,
    grouping_only: Annotated[
        bool, typer.Option("--grouping-only", help="Only the grouping table beside k-means.")
    ] = False,
    encoder: EncoderOption = "intents",
) -> None:
    """Mining quality: CLINC150 domains never used in tuning grouped with labels hidden, beside
    MiniLM k-means told the true count (NMI, ARI, proposal count); CLINC150 train (NMI, ARI,
    pure groups); TweetSumm issue/resolution extraction against human summaries (ROUGE-L)."""
    from poise.knowledge.evaluation import cached_encoder, clinc_mining_quality, tweetsumm_rouge
    from poise.knowledge.grouping_eval import clinc_grouping_report, format_score

    folder = _shared_data(data_dir)
    clinc, tweetsumm = folder / "clinc150" / "data_full.json", folder / "tweetsumm"
    if not clinc.is_file() or not (grouping_only or tweetsumm.is_dir()):
        fail(f"CLINC150 or TweetSumm not found under {folder} (pass --data-dir)")
    _cache_folder(cache)
    encode = cached_encoder(_encoder(encoder), cache / encoder if cache else None)
    general = cached_encoder(_encoder("general"), cache / "general" if cache else None)
    grouping = clinc_grouping_report(
        clinc, encode=encode, baseline=None if encoder == "general" else general
    )
    report: dict[str, object] = {"clinc150_grouping": [g.as_dict() for g in grouping]}
    if not grouping_only:
        report["clinc150"] = clinc_mining_quality(clinc, encode=encode)
        report["tweetsumm"] = tweetsumm_rouge(tweetsumm)
    if as_json:
        typer.echo(json.dumps(report))
        return
    out.print(
        "clinc150 test split, domains never used in tuning (nor in the encoder's):",
        highlight=False,
    )
    for line in grouping:
        typer.echo("  " + format_score(line))
    for name, values in report.items():
        if not isinstance(values, dict):
            continue
        out.print(name + ": " + ", ".join(f"{k} {v}" for k, v in values.items()), highlight=False)


def eval_drafts(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Shared data (default: ../shared/data).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the first N TweetSumm dialogues.")
    ] = None,
    skip: Annotated[int, typer.Option(min=0, help="Leave out the first N dialogues.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Mined drafts against TweetSumm's human resolutions (ROUGE-L F1), beside the last agent
    turn and the one-reply baseline, per dialogue and per mined group; with leak counts."""
    from poise.knowledge.draft_evaluation import evaluate_drafts
    from poise.minilm.encoder import get_encoder, get_intent_encoder

    folder = _shared_data(data_dir) / "tweetsumm"
    if not (folder / "dialog_text" / "twitter.json").is_file():
        fail(f"TweetSumm not found under {folder.parent} (pass --data-dir)")
    report = evaluate_drafts(
        folder,
        encode=get_encoder().encode,  # the drafts' steps: the general MiniLM, as mining drafts
        group_encode=get_intent_encoder().encode,  # the groups: the manual's, as mining groups
        skip=skip,
        limit=limit,
    )
    if as_json:
        typer.echo(json.dumps(report))
        return
    out.print(str(report["set"]), highlight=False)
    for setting in ("dialogue", "group"):
        values = report[setting]
        assert isinstance(values, dict)
        counts = ", ".join(f"{k} {v}" for k, v in values.items() if not isinstance(v, dict))
        out.print(f"{setting}: {counts}", highlight=False)
        for name, s in values.items():
            if isinstance(s, dict):
                out.print(
                    f"  {name:16} ROUGE-L F1 {s['rouge_l']:.4f}  leaks {s['leaks']}",
                    highlight=False,
                )


def train_kb_encoder_command(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Shared data (default: ../shared/data).")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Where to write (default: the shipped one).")
    ] = None,
) -> None:
    """Tune the manual's MiniLM to tell requests apart (CLINC150's development domains only)
    and write its difference to the shipped weights; ~6 minutes on two cores. Needs the
    `train` extra (torch, transformers)."""
    try:
        from poise.knowledge.intent_tuning import TuningRecipe, train_kb_encoder
        from poise.minilm.export import source_dir
    except ImportError:
        fail("install the train extra (pip install -e '.[train]')")
    from poise import minilm

    folder = _shared_data(data_dir)
    if not (folder / "clinc150" / "data_full.json").is_file():
        fail(f"CLINC150 not found under {folder} (pass --data-dir)")
    recipe = TuningRecipe()
    with progress_bar() as progress:
        task = progress.add_task("Tuning", total=recipe.steps)
        written = train_kb_encoder(
            folder,
            source_dir(),
            out_file or minilm.INTENTS,
            recipe,
            lambda n, total: progress.update(task, completed=n, total=total),
        )
    typer.echo(json.dumps(written))
