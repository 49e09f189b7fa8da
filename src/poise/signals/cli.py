"""``poise train …`` and ``poise eval …`` for the signals models.

Heavy imports (scikit-learn, torch) happen inside the commands, so mounting these apps
costs nothing at CLI start-up.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from poise.files import not_a_file

DEFAULT_VERSION = "negativity-2026.12.4"
train_app = typer.Typer(
    help="Train Poise's models (signals, the manual's encoder, reply feedback) from the "
    "shared data folder (POISE_SHARED_DATA). Agents' lessons are `poise training`.",
    no_args_is_help=True,
)
eval_app = typer.Typer(
    help="Evaluate Poise's models (signals, the manual's search and mining, reply feedback) "
    "on labelled data.",
    no_args_is_help=True,
)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Shared data folder (default: ../shared/data from the repo root)."
    ),
]
Artifacts = Annotated[
    Path | None, typer.Option("--artifacts", help="Artifact folder (default: the shipped one).")
]


@train_app.callback()
def _train() -> None:
    """Train Poise's models."""


@eval_app.callback()
def _eval() -> None:
    """Evaluate Poise's models."""


def _fail(message: str) -> typer.Exit:
    """Print ``message`` as every command's errors read ("Error: …" on stderr); the caller
    raises the returned exit (code 2)."""
    from poise.cli.context import error

    error(message)
    return typer.Exit(code=2)


def _data_dir(data_dir: Path | None) -> Path:
    from poise.signals.training.data import default_data_dir

    folder = data_dir or default_data_dir()
    if not folder.is_dir():
        raise _fail(f"data folder not found: {folder} (pass --data-dir or set POISE_SHARED_DATA)")
    return folder


@train_app.command("negativity")
def train_negativity(
    data_dir: DataDir = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the artifact.")] = None,
    version: Annotated[
        str, typer.Option(help="Version stored beside every score.")
    ] = DEFAULT_VERSION,
    encoder: Annotated[
        bool, typer.Option(help="Train the distilled encoder (needs torch).")
    ] = True,
    layers: Annotated[int, typer.Option(help="Transformer layers kept in the student.")] = 6,
    max_examples: Annotated[int, typer.Option(help="Student training examples (sampled).")] = 40000,
    soup: Annotated[
        int, typer.Option(min=1, help="Students trained on different samples, then averaged.")
    ] = 4,
    teacher_cache: Annotated[
        Path | None, typer.Option(help="Cache of teacher embeddings (.npz).")
    ] = None,
    vader: Annotated[
        bool, typer.Option(help="Use VADER's compound score as a stacker feature.")
    ] = True,
    threads: Annotated[int, typer.Option(help="Torch threads (1 on a busy machine).")] = 2,
    fp32_dir: Annotated[
        Path | None, typer.Option(help="Also export fp32 ONNX here and report the int8 cost.")
    ] = None,
    reuse_encoder: Annotated[
        bool,
        typer.Option(help="Keep the student already in --out; refit the stacker and the rest."),
    ] = False,
) -> None:
    """Train negativity + emotion (+ drift calibration); write the artifact and metrics.json."""
    from poise.signals.registry import ARTIFACTS
    from poise.signals.training.data import DataMissingError
    from poise.signals.training.encoder import StudentConfig
    from poise.signals.training.pipeline import TrainConfig, train

    cfg = TrainConfig(
        data_dir=_data_dir(data_dir),
        out_dir=out or ARTIFACTS,
        version=version,
        encoder=encoder,
        student=StudentConfig(layers=layers, max_examples=max_examples, soup=soup, threads=threads),
        teacher_cache=teacher_cache,
        vader=vader,
        fp32_dir=fp32_dir,
        reuse_encoder=reuse_encoder,
    )
    try:
        metrics = train(cfg, log=lambda line: typer.echo(line, err=True))
    except DataMissingError as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps(metrics, indent=2))


NEGATIVE_LABELS = frozenset({"negative", "very_negative", "1", "true"})


@train_app.command("feeling")
def train_feeling_command(
    data_dir: DataDir = None,
    artifacts: Artifacts = None,
    version: Annotated[
        str, typer.Option(help="Version stored beside every score.")
    ] = DEFAULT_VERSION,
    cache: Annotated[
        Path | None, typer.Option(help="Cache of the head's input features (.npz).")
    ] = None,
    calibrate_on: Annotated[
        Path | None,
        typer.Option(
            help="JSONL of hand-labelled support messages {text, label} to fit the support "
            "shift on (the shipped head: benchmarks/labelled_sets.py's twcs_feeling.jsonl)."
        ),
    ] = None,
    calibrate_only: Annotated[
        bool, typer.Option(help="Keep the shipped head; fit only its support shift.")
    ] = False,
) -> None:
    """Fit the feeling head (how the customer feels, apart from complaint) over the shipped
    student; a few minutes on two cores. Needs the `train` extra (scikit-learn)."""
    from poise.signals.registry import ARTIFACTS
    from poise.signals.training.data import DataMissingError
    from poise.signals.training.feeling import calibrate_feeling, train_feeling
    from poise.signals.training.pipeline import refresh_card

    def log(line: str) -> None:
        typer.echo(line, err=True)

    try:
        calibration = read_labelled(calibrate_on) if calibrate_on else None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if calibrate_only and calibration is None:
        raise _fail("--calibrate-only needs --calibrate-on FILE")
    folder = _data_dir(data_dir)  # the model card is measured again on it, whichever the path
    if calibration is None:  # a warning, after the refusals: it read as the reason for one
        log("no --calibrate-on: no support shift, and early warning's thresholds assume one")
    try:
        if calibrate_only and calibration is not None:
            report = calibrate_feeling(artifacts or ARTIFACTS, version, calibration, log=log)
        else:
            report = train_feeling(
                folder,
                artifacts or ARTIFACTS,
                version,
                cache=cache,
                calibration=calibration,
                log=log,
            )
        log("measuring the model card again (metrics.json) for the shipped model")
        report["card"] = refresh_card(artifacts or ARTIFACTS, folder)
    except (DataMissingError, ValueError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps(report, indent=2))


def read_labelled(path: Path) -> tuple[list[str], list[int]]:
    """Texts and 0/1 labels (``negative``, ``very_negative``, 1 or true -> 1) from a JSONL
    file; ValueError says what is wrong."""
    if problem := not_a_file(path):
        raise ValueError(problem)
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if (
                not isinstance(row, dict)
                or not isinstance(row.get("text"), str)
                or "label" not in row
            ):
                raise ValueError(f'{path}:{number}: expected an object with "text" and "label"')
            texts.append(row["text"])
            labels.append(int(str(row["label"]).strip().lower() in NEGATIVE_LABELS))
    if not texts:
        raise ValueError(f"{path}: no rows")
    return texts, labels


def _clean(report: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if math.isnan(v) else round(v, 4)) for k, v in report.items()}


SCORED_AT_ONCE = 256  # rows scored between two moves of the bar (each is scored alone)


def compare(
    texts: list[str],
    labels: list[int],
    artifacts: Path | None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Poise and VADER on the same rows: precision, recall, F1 (at each one's threshold), AUC.

    ``progress(done, total)`` hears of the rows Poise has scored."""
    from poise.signals.metrics import binary_report
    from poise.signals.registry import get_scorer
    from poise.signals.vader import compound

    scorer = get_scorer("negativity", artifacts)
    poise: list[float] = []
    for start in range(0, len(texts), SCORED_AT_ONCE):
        poise += [r.score for r in scorer.score_batch(texts[start : start + SCORED_AT_ONCE])]
        if progress:
            progress(len(poise), len(texts))
    vader = [-compound(t) for t in texts]
    return {
        "n": len(texts),
        "poise": _clean(binary_report(labels, poise, 0.5)),
        "vader": _clean(binary_report(labels, vader, 0.05)),
    }


@eval_app.command("negativity")
def eval_negativity(
    data: Annotated[
        Path, typer.Option("--data", help="JSONL of {text, label}; label 'negative' is positive.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    artifacts: Artifacts = None,
) -> None:
    """Score a labelled JSONL file with Poise and with VADER, side by side."""
    from poise.cli.context import counting
    from poise.signals.registry import ArtifactMissingError, get_scorer

    try:
        texts, labels = read_labelled(data)
        with counting("Scoring messages") as advance:
            result = compare(texts, labels, artifacts, advance)
    except (ValueError, ArtifactMissingError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"n = {result['n']}   model {get_scorer('negativity', artifacts).version}")
    typer.echo(f"{'':8}{'precision':>10}{'recall':>10}{'f1':>10}{'auc':>10}")
    for name in ("poise", "vader"):
        row = result[name]
        cells = "".join(
            f"{'n/a' if row[k] is None else format(row[k], '.4f'):>10}"
            for k in ("precision", "recall", "f1", "auc")
        )
        typer.echo(f"{name:8}{cells}")


@eval_app.command("drift")
def eval_drift(
    data_dir: DataDir = None,
    split: Annotated[str, typer.Option(help="CLINC150 split: val or test.")] = "test",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    artifacts: Artifacts = None,
) -> None:
    """ROC-AUC of the drift score on CLINC150 same-intent vs switched-intent pairs."""
    from poise.cli.context import counting
    from poise.signals.training.data import DataMissingError
    from poise.signals.training.pipeline import drift_auc

    if split not in {"val", "test"}:
        raise _fail("--split must be val or test")
    folder = _data_dir(data_dir)
    try:
        with counting("Embedding texts") as advance:
            auc = drift_auc(artifacts or _default_artifacts(), folder, split, advance)
    except DataMissingError as exc:
        raise _fail(str(exc)) from None
    result = {"split": split, "auc": round(auc, 4)}
    typer.echo(json.dumps(result) if as_json else f"drift ROC-AUC on CLINC150 {split}: {auc:.4f}")


def _default_artifacts() -> Path:
    from poise.signals.registry import ARTIFACTS

    return ARTIFACTS


@train_app.command("explanatory-style")
def train_explanatory_style_command(
    dev: Annotated[
        Path | None,
        typer.Option(help="Development JSONL also trained on (default: the repo's, if present)."),
    ] = None,
) -> None:
    """Fit the learned explanatory-style heads from the authored corpus and save the artifact.

    Inputs, C and thresholds are chosen by cross-validation on the training rows only; the
    benchmark sets are never read. Prints the choice and the figures on the fresh held-out part.
    """
    from poise.signals.explanatory_model import ARTIFACT
    from poise.signals.training.explanatory import cached_embed, train_explanatory_style

    if dev is not None and (problem := not_a_file(dev)):
        raise _fail(problem)  # ignored, it trained on less and overwrote the shipped heads
    root = Path(__file__).resolve().parents[3]
    dev = dev or root / "tests" / "fixtures" / "explanatory_style" / "dev.jsonl"
    report = train_explanatory_style(dev, ARTIFACT, cached_embed(), log=_to_stderr)
    typer.echo(json.dumps(report, indent=2))


def _to_stderr(line: str) -> None:
    """A training's progress line, on stderr: on stdout it came ahead of the JSON report, so a
    script reading the report read the progress first."""
    typer.echo(line, err=True)


@eval_app.command("explanatory-style")
def eval_explanatory_style(
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="JSONL of {text, permanent, pervasive, personal}; 1 = the pessimistic side.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Rate labelled reflections on the three CAVE dimensions: accuracy and F1 for each.

    A dimension is called pessimistic when its 1-7 rating is 5 or more.
    """
    from poise.signals.explanatory import DIMENSIONS, VERSION, evaluate, read_labelled

    if problem := not_a_file(data):
        raise _fail(problem)
    try:
        report = evaluate(read_labelled(data.read_text(encoding="utf-8").splitlines()))
    except ValueError as exc:
        raise _fail(f"{data}: {exc}") from None
    if as_json:
        typer.echo(json.dumps(report))
        return
    dimensions = report["dimensions"]
    assert isinstance(dimensions, dict)
    typer.echo(f"n = {report['n']}   rules {VERSION}")
    typer.echo(f"{'dimension':12}{'accuracy':>10}{'f1':>10}")
    for name in DIMENSIONS:
        row = dimensions[name]
        typer.echo(f"{name:12}{row['accuracy']:>10.4f}{row['f1']:>10.4f}")
    typer.echo(f"{'mean':12}{report['mean_accuracy']:>10.4f}")


@eval_app.command("conversations")
def eval_conversations(
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="JSONL of {id, turns: [{role, text, iq?}], unhappy_start?, bad_outcome?, drift?}.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Early warning, escalation and drift on labelled conversations, Poise beside VADER."""
    from poise.cli.context import counting
    from poise.signals.evaluation import evaluate, read_conversations, table
    from poise.signals.registry import ArtifactMissingError

    try:
        convs = read_conversations(data)
        with counting("Scoring conversations") as advance:
            report = evaluate(convs, advance)
    except (ValueError, ArtifactMissingError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps(report) if as_json else "\n".join(table(report)))
