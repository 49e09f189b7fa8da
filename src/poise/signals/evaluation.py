"""``poise eval conversations``: conversation signals judged on labelled real conversations.

Poise's early warning, escalation risk and drift are compared, in one run, with a VADER
baseline aggregated the same way (VADER's per-customer-turn score is ``max(0, -compound)``).
Only the public API of the signals package is used, so the figures follow whatever model
``conversation_signals`` ships.

Input, one conversation a line::

    {"id": "c1", "turns": [{"role": "customer"|"agent", "text": "...", "iq": 1-5?}, ...],
     "unhappy_start": bool?, "bad_outcome": bool?, "drift": bool?}

``iq`` is an annotated interaction quality at that turn (2 or less: going badly). A label that
is absent or null leaves the metrics that need it null.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from poise.files import not_a_file
from poise.signals.metrics import binary_report, roc_auc
from poise.signals.types import Turn

VADER_THRESHOLD = 0.05  # VADER's own "negative": compound <= -0.05
IQ_LOW = 2
RECENCY = 0.6
ROLES = ("customer", "agent")
LABELS = ("unhappy_start", "bad_outcome", "drift")


@dataclass(frozen=True)
class LabelledConversation:
    """One conversation of the file with its optional labels (None = not annotated)."""

    id: str
    turns: list[Turn]
    iq: list[int | None]  # one per turn, aligned with ``turns``
    unhappy_start: bool | None
    bad_outcome: bool | None
    drift: bool | None


@dataclass(frozen=True)
class Scored:
    """What one model says about one conversation."""

    early_flag: bool
    early_score: float
    escalation: float
    turn_escalation: list[float]  # per customer turn that carries an iq, in order
    drift_flag: bool | None  # None: the model has no drift signal (VADER)


def _parse_turn(turn: Any, where: str) -> tuple[Turn, int | None]:
    """One turn object, or ValueError naming what is wrong with it."""
    if not isinstance(turn, dict):
        raise ValueError(f"{where}: each turn must be an object")
    role, text, iq = turn.get("role"), turn.get("text"), turn.get("iq")
    if role not in ROLES:
        raise ValueError(f'{where}: turn role must be "customer" or "agent", not {role!r}')
    if not isinstance(text, str):
        raise ValueError(f'{where}: each turn needs a "text" string')
    if iq is not None and (isinstance(iq, bool) or not isinstance(iq, int) or not 1 <= iq <= 5):
        raise ValueError(f'{where}: "iq" must be an integer from 1 to 5, not {iq!r}')
    return Turn(role, text), iq


def _label(row: dict[str, Any], name: str, where: str) -> bool | None:
    value = row.get(name)
    if value is not None and not isinstance(value, bool):
        raise ValueError(f'{where}: "{name}" must be true, false or null, not {value!r}')
    return value


def parse_conversation(row: Any, where: str) -> LabelledConversation:
    """One decoded line as a conversation; ValueError (prefixed with ``where``) when malformed."""
    if not isinstance(row, dict) or not isinstance(row.get("turns"), list):
        raise ValueError(f'{where}: expected an object with "id" and a "turns" list')
    if not isinstance(row.get("id"), str | int) or isinstance(row.get("id"), bool):
        raise ValueError(f'{where}: "id" must be a string or a number')
    parsed = [_parse_turn(turn, where) for turn in row["turns"]]
    if not any(turn.author_role == "customer" for turn, _ in parsed):
        raise ValueError(f"{where}: a conversation needs at least one customer turn")
    return LabelledConversation(
        id=str(row["id"]),
        turns=[turn for turn, _ in parsed],
        iq=[iq for _, iq in parsed],
        **{name: _label(row, name, where) for name in LABELS},
    )


def read_conversations(path: Path) -> list[LabelledConversation]:
    """Every conversation of a JSONL file; ValueError says which line is wrong and why."""
    if problem := not_a_file(path):
        raise ValueError(problem)
    rows: list[LabelledConversation] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                decoded = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: not valid JSON ({exc.msg})") from None
            rows.append(parse_conversation(decoded, where))
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows


def _early_turns() -> int:
    """How many opening customer turns Poise's early warning reads (2 if it does not say)."""
    from poise.signals import conversation

    value = getattr(conversation, "EARLY_TURNS", 2)
    return value if isinstance(value, int) and value > 0 else 2


def _recency_mean(trend: Sequence[float]) -> float:
    """Fallback escalation: a moving average weighting the newest turn by ``RECENCY``."""
    if not trend:
        return 0.0
    level = trend[0]
    for value in trend[1:]:
        level = RECENCY * value + (1 - RECENCY) * level
    return float(level)


def _escalation_function() -> Callable[[Sequence[float]], float]:
    """Poise's own trend-to-risk aggregation, so VADER is aggregated exactly like Poise.

    Falls back to a recency-weighted mean when the signals package no longer offers
    ``escalation_risk(trend) -> float``.
    """
    from poise.signals import conversation

    candidate = getattr(conversation, "escalation_risk", None)
    if callable(candidate):
        try:
            if isinstance(candidate([0.1, 0.4], shift=0.0), float):
                # VADER's scores carry no support shift: nothing to take back out.
                return lambda trend: float(candidate(trend, shift=0.0))
        except TypeError:
            pass
    return _recency_mean


def _iq_prefixes(conv: LabelledConversation) -> list[int]:
    """Indexes of the customer turns that carry an iq (where per-turn escalation is judged)."""
    return [
        k
        for k, (turn, iq) in enumerate(zip(conv.turns, conv.iq, strict=True))
        if turn.author_role == "customer" and iq is not None
    ]


def score_poise(conv: LabelledConversation) -> Scored:
    """Poise's signals for the whole conversation and for each prefix ending at an iq turn."""
    from poise.signals import conversation_signals

    signals = conversation_signals(conv.turns)
    per_turn = [
        float(conversation_signals(conv.turns[: k + 1]).escalation_risk) for k in _iq_prefixes(conv)
    ]
    return Scored(
        early_flag=bool(signals.early_warning),
        early_score=float(signals.early_score),
        escalation=float(signals.escalation_risk),
        turn_escalation=per_turn,
        drift_flag=bool(signals.drift.drifted),
    )


def score_vader(
    conv: LabelledConversation, early_turns: int, escalate: Callable[[Sequence[float]], float]
) -> Scored:
    """VADER aggregated like Poise: max over the opening turns, the same escalation function."""
    from poise.signals.vader import compound

    trend: list[float] = []
    per_turn: list[float] = []
    for turn, iq in zip(conv.turns, conv.iq, strict=True):
        if turn.author_role != "customer":
            continue
        trend.append(max(0.0, -compound(turn.body)))
        if iq is not None:
            per_turn.append(float(escalate(trend)))
    early = max(trend[:early_turns], default=0.0)
    return Scored(
        early_flag=early >= VADER_THRESHOLD,
        early_score=early,
        escalation=float(escalate(trend)),
        turn_escalation=per_turn,
        drift_flag=None,
    )


def _num(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def _flag_report(labels: list[bool | None], flags: list[bool], scores: list[float]) -> Any:
    """Precision, recall, F1 of the model's own flags and AUC of its score, on labelled rows."""
    pairs = [
        (bool(y), f, s) for y, f, s in zip(labels, flags, scores, strict=True) if y is not None
    ]
    if not pairs:
        return {"precision": None, "recall": None, "f1": None, "auc": None}
    y = [int(p[0]) for p in pairs]
    report = binary_report(y, [float(p[1]) for p in pairs], 0.5)
    report["auc"] = roc_auc(y, [p[2] for p in pairs])
    return {k: _num(v) for k, v in report.items()}


def _auc(labels: Sequence[bool | None], scores: Sequence[float]) -> float | None:
    pairs = [(int(bool(y)), s) for y, s in zip(labels, scores, strict=True) if y is not None]
    return _num(roc_auc([p[0] for p in pairs], [p[1] for p in pairs])) if pairs else None


def summarise(convs: list[LabelledConversation], scored: list[Scored]) -> dict[str, Any]:
    """The report of one model over every conversation (see the module docstring)."""
    early = _flag_report(
        [c.unhappy_start for c in convs],
        [s.early_flag for s in scored],
        [s.early_score for s in scored],
    )
    early["flag_rate"] = round(sum(s.early_flag for s in scored) / len(scored), 4)
    iq_low = [(c.iq[k] or 0) <= IQ_LOW for c in convs for k in _iq_prefixes(c)]
    turn_scores = [x for s in scored for x in s.turn_escalation]
    drift: dict[str, float | None] = dict.fromkeys(("flag_rate", "precision", "recall", "f1"))
    if all(s.drift_flag is not None for s in scored):
        flags = [bool(s.drift_flag) for s in scored]
        drift["flag_rate"] = round(sum(flags) / len(flags), 4)
        found = _flag_report([c.drift for c in convs], flags, [float(f) for f in flags])
        drift.update({k: found[k] for k in ("precision", "recall", "f1")})
    return {
        "early_warning": {k: early[k] for k in ("flag_rate", "precision", "recall", "f1", "auc")},
        "escalation": {
            "auc_bad_outcome": _auc([c.bad_outcome for c in convs], [s.escalation for s in scored]),
            "auc_iq_low": _auc(iq_low, turn_scores) if turn_scores else None,
        },
        "drift": drift,
    }


def evaluate(
    convs: list[LabelledConversation], progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Poise and the VADER baseline on the same conversations, in one report.

    ``progress(done, total)`` hears of each conversation scored, by Poise then by VADER."""
    early_turns, escalate = _early_turns(), _escalation_function()
    total = 2 * len(convs)
    poise: list[Scored] = []
    for conv in convs:
        poise.append(score_poise(conv))
        if progress:
            progress(len(poise), total)
    vader: list[Scored] = []
    for conv in convs:
        vader.append(score_vader(conv, early_turns, escalate))
        if progress:
            progress(len(convs) + len(vader), total)
    return {"n": len(convs), "poise": summarise(convs, poise), "vader": summarise(convs, vader)}


def _cell(value: float | None) -> str:
    return f"{'n/a' if value is None else format(value, '.4f'):>10}"


def table(report: dict[str, Any]) -> list[str]:
    """The report as a readable table: one line per signal, Poise beside VADER."""
    lines = [f"n = {report['n']} conversations", f"{'':38}{'poise':>10}{'vader':>10}"]
    rows = [
        ("early warning", "flag rate", "early_warning", "flag_rate"),
        ("", "precision", "early_warning", "precision"),
        ("", "recall", "early_warning", "recall"),
        ("", "f1", "early_warning", "f1"),
        ("", "auc (unhappy_start)", "early_warning", "auc"),
        ("escalation", "auc (bad_outcome)", "escalation", "auc_bad_outcome"),
        ("", "auc (iq <= 2, per turn)", "escalation", "auc_iq_low"),
        ("drift", "flag rate", "drift", "flag_rate"),
        ("", "precision", "drift", "precision"),
        ("", "recall", "drift", "recall"),
        ("", "f1", "drift", "f1"),
    ]
    for signal, metric, group, key in rows:
        cells = _cell(report["poise"][group][key]) + _cell(report["vader"][group][key])
        lines.append(f"{signal:14}{metric:24}{cells}")
    return lines
