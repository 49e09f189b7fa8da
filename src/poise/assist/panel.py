"""The live assist panel: signals, guidance and the manual's articles for a conversation while
it happens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session

from poise.auth.deps import ApiUser, CurrentUser
from poise.auth.models import User
from poise.conversations import actions, queries
from poise.conversations.feeling import readable_evidence
from poise.conversations.models import Conversation, Message
from poise.conversations.schemas import RoleName
from poise.errors import InvalidInput
from poise.knowledge.suggest import article_suggestions
from poise.settings import Settings
from poise.signals import ConversationSignals, DriftResult, Turn, conversation_signals, get_scorer
from poise.signals.abuse import threats_to_leave
from poise.signals.conversation import opening_score
from poise.signals.drift import naming_the_matter
from poise.signals.guidance import guidance_for
from poise.signals.purpose import candidates as purpose_candidates
from poise.signals.purpose import given_purpose
from poise.web.csrf import verify_csrf
from poise.web.deps import SessionDep, SettingsDep, flash, redirect, render
from poise.web.params import IdField, IdPath

api = APIRouter(prefix="/api/v1", tags=["assist"])
pages = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
MAX_TURNS = 200
MAX_BODY_CHARS = 200_000  # a hard cap while parsing; the configured limit is checked after


class AssistTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    author_role: RoleName
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)


class AssistRequest(BaseModel):
    """Either a stored conversation, or the messages so far (from a helpdesk sidebar)."""

    model_config = ConfigDict(extra="forbid")
    conversation_id: IdField | None = None
    messages: list[AssistTurn] | None = Field(None, max_length=MAX_TURNS)
    purpose: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _one_source(self) -> AssistRequest:
        if (self.conversation_id is None) == (self.messages is None):
            raise ValueError("send either conversation_id or messages")
        return self


def access_for_assist(session: Session, *, actor: User, conversation_id: int) -> Conversation:
    """Assist on any conversation the reader may open: the one visibility rule, so every
    "Assist" link a list shows answers. The thread is not loaded: the panel reads its latest
    turns (:func:`latest_turns`), and a whole thread of 87,747 imported turns took 6 s."""
    return queries.get_conversation(session, actor=actor, conversation_id=conversation_id)


def latest_turns(session: Session, conv: Conversation) -> list[Message]:
    """The conversation's latest ``MAX_TURNS`` turns, in the thread's order."""
    newest = session.scalars(
        select(Message)
        .where(Message.conversation_id == conv.id)
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(MAX_TURNS)
    ).all()
    return list(reversed(newest))


def _thread_order(conv: Conversation) -> Select[Any]:
    return (
        select(Message.negativity, Message.body)
        .where(Message.conversation_id == conv.id)
        .order_by(Message.sent_at, Message.id)
    )


def customer_scores(session: Session, conv: Conversation) -> list[tuple[float | None, bool]]:
    """Every customer turn's stored score and whether it threatens to leave (early warning
    reads both), in the thread's order: two columns, not turns."""
    query = _thread_order(conv).where(Message.author_role == "customer")
    flagged = case((Message.leaving.is_(True), Message.body), else_=None)  # bodies it must read
    rows = session.execute(query.with_only_columns(Message.negativity, flagged))
    return [(score, bool(body and threats_to_leave(body))) for score, body in rows]


def _turn_body(session: Session, conv: Conversation, index: int | None) -> list[tuple[int, str]]:
    """``[(index, body)]`` of the thread's turn at ``index`` (0-based), for drift's wording."""
    if index is None:
        return []
    body = session.scalar(
        _thread_order(conv).with_only_columns(Message.body).offset(index).limit(1)
    )
    return [(index, body or "")]


def _given(session: Session, conv: Conversation) -> str | None:
    """The purpose someone gave (on import or in the panel), not an importer's placeholder
    (the customer's first words, however far back)."""
    query = _thread_order(conv).where(Message.author_role == "customer")
    first = session.scalar(query.with_only_columns(Message.body).limit(1)) or ""
    return given_purpose(conv.purpose, first)


def _turn_rows(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [
        {
            "author_role": m.author_role,
            "body": m.body,
            "negativity": m.negativity,
            "emotion": m.emotion,
            "abusive": m.abusive,
            "leaving": m.leaving,
            "level": m.feeling_level,
            "evidence": readable_evidence(m.signal_evidence, m.body),
        }
        for m in messages[-MAX_TURNS:]
    ]


def _score_missing(rows: list[dict[str, Any]], max_chars: int) -> None:
    """Score customer turns that have no stored score (a sidebar's messages, a fresh turn)."""
    missing = [r for r in rows if r["author_role"] == "customer" and r["negativity"] is None]
    if not missing:
        return
    results = get_scorer("negativity").score_batch([r["body"][:max_chars] for r in missing])
    for row, result in zip(missing, results, strict=True):
        row.update(
            negativity=result.score,
            emotion=result.emotion,
            abusive=result.abusive,
            leaving=bool(result.leaving),
            level=result.level,
            evidence=result.evidence,
        )


def stored_signals(
    conv: Conversation,
    turns: Sequence[tuple[float | None, bool]] | None = None,
    drift_turn: Sequence[tuple[int, str]] | None = None,
) -> ConversationSignals | None:
    """The signals stored when the conversation's newest message was scored, if current.

    Scoring a message (import, webhook, API) refreshes its conversation's signals, so the
    panel need not embed every turn again for drift on each request. They are stale, and
    the panel computes them afresh, when a turn is unscored, when the stored trend is not
    the turns' stored scores, or when the drift model changed since.

    They are over the whole thread, and checked against the whole thread: the panel reads
    only its latest ``MAX_TURNS``, and checked against those a thread any longer always
    looked stale, so its signals were worked out afresh from that tail on every request (an
    angry opening lost, slow on a long import). ``turns`` are every customer turn's stored
    score and threat to leave (:func:`customer_scores`) and ``drift_turn`` the drifting
    turn's ``(index, body)``; without them they are read from the loaded thread.
    """
    if turns is None:
        customer = [m for m in conv.messages if m.author_role == "customer"]
        turns = [(m.negativity, bool(m.leaving and threats_to_leave(m.body))) for m in customer]
    scores = [score for score, _ in turns]
    if drift_turn is None:
        drift_turn = list(enumerate(m.body for m in conv.messages))
    trend = conv.signal_trend
    if (
        trend is None
        or conv.escalation_risk is None
        or len(trend) != len(scores)
        or any(score is None for score in scores)
        or any(t != round(score or 0.0, 3) for t, score in zip(trend, scores, strict=True))
    ):
        return None
    values = [float(score or 0.0) for score in scores]  # the trend, unrounded
    later = len(values) > 1
    versions = (conv.signals_version or "").split("+")
    if later and (conv.drift_score is None or get_scorer("drift").version not in versions):
        return None
    if conv.stated_purpose is None:
        return None  # scored before purposes were stated
    stored = DriftResult(
        drifted=conv.drifted,
        score=conv.drift_score or 0.0,
        purpose=conv.stated_purpose,
        turn_index=conv.drift_turn,
        sentence=conv.drift_sentence or "",
    )
    # Stored before drift named the matter after a bare "One more thing, actually."
    drift = naming_the_matter(stored, drift_turn)
    return ConversationSignals(
        early_warning=conv.early_warning,
        early_score=opening_score(values, [leaving for _, leaving in turns]),
        escalation_risk=conv.escalation_risk,
        trend=values,
        turnaround=conv.turnaround,
        drift=drift,
        versions=[v for v in versions if v],
        risk_by_turn=[],
    )


def _still_leaving(recent: list[dict[str, Any]]) -> bool:
    """A threat to leave among the recent customer turns that no later one has settled: the
    panel told the agent "the customer is thinking of leaving" after their "Got it, thanks."
    A later turn reading positive settles it; a calm question ("When is it fixed?") does not."""
    settled = ("positive", "very_positive")
    return any(
        turn.get("leaving") and not any(later.get("level") in settled for later in recent[k + 1 :])
        for k, turn in enumerate(recent)
    )


def assist(
    rows: list[dict[str, Any]], purpose: str | None, signals: ConversationSignals | None = None
) -> dict[str, Any]:
    """Signals and guidance for the turns so far (the newest customer turn sets the tone).

    ``signals`` are the conversation's stored ones when current; otherwise they are computed.
    """
    if signals is None:
        turns = [Turn(r["author_role"], r["body"], r["negativity"]) for r in rows]
        signals = conversation_signals(turns, purpose=purpose)
    customer = [r for r in rows if r["author_role"] == "customer"]
    latest = customer[-1] if customer else None
    guidance = guidance_for(
        latest["emotion"] if latest else "waiting",
        abusive=any(r["abusive"] for r in customer[-3:]),
        leaving=_still_leaving(customer[-3:]),
        drift=signals.drift,
        escalation_risk=signals.escalation_risk,
        early_warning=signals.early_warning,
        trend=signals.trend,
        replied=_replied(rows),
    )
    return {
        "signals": {
            "early_warning": signals.early_warning,
            "early_score": round(signals.early_score, 4),
            "escalation_risk": round(signals.escalation_risk, 4),
            # the customer turns the panel reads: stored signals span the whole thread
            "trend": [round(v, 4) for v in signals.trend[-len(customer) :]] if customer else [],
            "turnaround": signals.turnaround,
            "drift": asdict(signals.drift),
            "latest": {
                k: latest.get(k)
                for k in ("negativity", "level", "emotion", "abusive", "leaving", "evidence")
            }
            if latest
            else None,
        },
        "guidance": asdict(guidance),
        "turns": len(rows),
    }


def _replied(rows: list[dict[str, Any]]) -> bool:
    """Whether an agent has answered since the customer's first turn."""
    roles = [r["author_role"] for r in rows]
    return "customer" in roles and "agent" in roles[roles.index("customer") :]


@api.post("/assist", summary="Signals and guidance for a conversation in progress")
def assist_endpoint(
    session: SessionDep, settings: SettingsDep, user: ApiUser, body: AssistRequest
) -> dict[str, Any]:
    """Signals plus guidance: a calm opening fitted to the emotion, the purpose when the
    conversation drifts, and what the agent may do when the customer is abusive."""
    if body.conversation_id is not None:
        conv = access_for_assist(session, actor=user, conversation_id=body.conversation_id)
        rows = _turn_rows(latest_turns(session, conv))
        purpose = body.purpose or _given(session, conv)
        stored = None if body.purpose else _stored(session, conv)
    else:
        assert body.messages is not None
        _check_lengths(body.messages, settings.max_message_chars)
        rows = [
            {
                "author_role": t.author_role,
                "body": t.body,
                "negativity": None,
                "emotion": None,
                "abusive": None,
                "leaving": None,
                "level": None,
                "evidence": [],
            }
            for t in body.messages
        ]
        purpose, stored = body.purpose, None
    if not rows:
        raise InvalidInput("the conversation has no messages yet")
    _score_missing(rows, settings.max_message_chars)
    panel = assist(rows, purpose, stored)
    panel["articles"] = _article_suggestions(session, rows, user, body.conversation_id)
    return panel


def _check_lengths(turns: list[AssistTurn], limit: int) -> None:
    """Refuse a sidebar's message longer than any import or webhook may store."""
    for number, turn in enumerate(turns, start=1):
        if len(turn.body) > limit:
            raise InvalidInput(
                f"message {number} has {len(turn.body):,} characters; "
                f"at most {limit:,} are accepted per message"
            )


def _article_suggestions(
    session: Session, rows: list[dict[str, Any]], user: User, conversation_id: int | None
) -> dict[str, Any]:
    """The manual's articles for the customer's words."""
    return article_suggestions(session, rows, actor=user, conversation_id=conversation_id)


THREAD_TURNS = 12  # the turns the assist page shows beside the panel; the rest are one link away


@pages.get("/assist/{conversation_id}", response_class=HTMLResponse)
def assist_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    conversation_id: IdPath,
) -> HTMLResponse:
    conv = access_for_assist(session, actor=user, conversation_id=conversation_id)
    return _assist_page(request, session, settings, conv)


def _stored(session: Session, conv: Conversation) -> ConversationSignals | None:
    """The stored signals if current, read without loading the thread."""
    drift_turn = _turn_body(session, conv, conv.drift_turn if conv.drifted else None)
    return stored_signals(conv, customer_scores(session, conv), drift_turn)


def _assist_page(
    request: Request,
    session: Session,
    settings: Settings,
    conv: Conversation,
    refused: str = "",
    typed: str = "",
) -> HTMLResponse:
    """The panel; after a refused purpose, with the message beside the field and the
    agent's words still in it."""
    turns = latest_turns(session, conv)
    rows = _turn_rows(turns)
    _score_missing(rows, settings.max_message_chars)
    given = _given(session, conv)
    panel = assist(rows, given, _stored(session, conv)) if rows else None
    customer = [r["body"] for r in rows if r["author_role"] == "customer"]
    context = {
        "conv": conv,
        "thread": turns[-THREAD_TURNS:],
        "panel": panel,
        "purpose_given": given or "",
        "purpose_choices": purpose_candidates(customer),
        "errors": {"purpose": refused} if refused else {},
        "typed": typed,
        "max_purpose_chars": actions.MAX_PURPOSE_CHARS,
    }
    return render(request, "assist/panel.html", context, 400 if refused else 200)


@pages.post("/assist/{conversation_id}/purpose", response_model=None)
def correct_purpose(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    conversation_id: IdPath,
    purpose: Annotated[str, Form()] = "",
) -> RedirectResponse | HTMLResponse:
    """The agent corrects the purpose in one click (a suggested sentence) or in their words.

    Its length is the action's to refuse (``MAX_PURPOSE_CHARS``, the field's maxlength),
    beside the field with the words kept: a form bound of its own answered a purpose sent
    outside a browser with the bare 422 quoting pydantic (the body is capped anyway)."""
    conv = access_for_assist(session, actor=user, conversation_id=conversation_id)
    try:
        actions.set_purpose(session, actor=user, conversation=conv, purpose=purpose)
    except InvalidInput as exc:
        session.rollback()  # the conversation reloads as stored when the page reads it
        return _assist_page(request, session, settings, conv, str(exc), purpose)
    flash(
        request, "Purpose updated." if purpose.strip() else "Purpose reset to the customer's words."
    )
    return redirect(f"/assist/{conv.id}")
