"""``/admin/models``: model cards for admins, and the manual's re-embedding after an upgrade."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from poise.auth.deps import AdminUser
from poise.jobs import jobs_for
from poise.jobs.kinds import KB_REEMBED
from poise.web.csrf import verify_csrf
from poise.web.deps import SessionDep, flash, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

# Names people read for the data sets and figures in the model's ``metrics.json``.
DATASET_NAMES = {
    "airline_heldout": "Airline tweets, held out (never trained on)",
    "airline_dev_half": "… dev half (variants compared here)",
    "airline_test_half": "… test half",
    "goemotions_test": "GoEmotions test (Reddit comments)",
    "feeling_goemotions_test": "GoEmotions test, feeling",
}


def _share(value: float) -> str:
    return f"{100 * value:.1f}%"


def _score(value: float) -> str:
    return f"{value:.3f}"


def _megabytes(value: float) -> str:
    return f"{value / 1_000_000:.1f} MB"


def _duration(value: float) -> str:
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def _plain(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:,.0f}"


# Each figure with the unit it is read in: "0.019" beside "requests read as negative" was a
# share without its percent sign, and "Artifact size (bytes) 14,047,439" a count to decode.
FIGURES: dict[str, tuple[str, Callable[[float], str]]] = {
    "clinc_test_negative_rate": ("CLINC150 requests read as negative", _share),
    "cfpb_test_negative_rate": ("CFPB complaint chunks read as negative", _share),
    "drift_test_auc": ("Drift: CLINC150 switched-intent ROC-AUC", _score),
    "artifact_bytes": ("Artifact size", _megabytes),
    "train_seconds": ("Training time", _duration),
}


def shown_figure(key: str, value: float) -> tuple[str, str]:
    """A ``metrics.json`` figure as the Models page shows it: its name and value with a unit."""
    name, shown = FIGURES.get(key, (key.replace("_", " "), _plain))
    return name, shown(value)


def model_card() -> dict[str, Any]:
    """The shipped models' versions and the figures measured when they were trained."""
    from poise.signals import get_scorer
    from poise.signals.registry import ARTIFACTS

    path = ARTIFACTS / "metrics.json"
    metrics = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    sets = [
        {"name": DATASET_NAMES.get(key, key.replace("_", " ")), **value}
        for key, value in metrics.items()
        if isinstance(value, dict) and "poise" in value
    ]
    figures = [
        shown_figure(key, value)
        for key, value in metrics.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    versions = [get_scorer(name).version for name in ("negativity", "drift", "explanatory")]
    return {"versions": versions, "sets": sets, "figures": figures}


REEMBED_SUBJECT = "kb:reembed"


def manual_encoder(session: Session) -> dict[str, Any]:
    """The manual's encoder: its version, whether the stored vectors are its own, and the
    last re-embedding job."""
    from poise.knowledge.vectors import ENCODER_VERSION, stored_current
    from poise.minilm import INTENTS_CARD

    job = jobs_for(session, [REEMBED_SUBJECT]).get(REEMBED_SUBJECT)
    card = json.loads(INTENTS_CARD.read_text(encoding="utf-8")) if INTENTS_CARD.is_file() else {}
    current = stored_current(session)
    return {"version": ENCODER_VERSION, "current": current, "job": job, "card": card}


@router.get("/admin/models", response_class=HTMLResponse)
def models_page(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse:
    """Model cards for admins: versions and the figures behind them (agents never see these)."""
    from poise.training.feedback_model import feedback_cards

    feedback = feedback_cards()
    context = {"card": model_card(), "manual": manual_encoder(session), "feedback": feedback}
    return render(request, "model_cards/models.html", context)


@router.post("/admin/models/reembed")
def reembed_now(request: Request, user: AdminUser) -> RedirectResponse:
    """Re-embed the manual with the shipped encoder in the background (after an upgrade)."""
    from poise.knowledge.vectors import reembed_job

    request.app.state.jobs.submit(KB_REEMBED, reembed_job, subject=REEMBED_SUBJECT)
    flash(request, "Re-embedding started: this page shows its progress.")
    return redirect("/admin/models")
