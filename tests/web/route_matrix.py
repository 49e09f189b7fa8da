"""The permission matrix's world and rules: one object of every kind, who may touch each route.

Roles (each a real user signed in through the login form, with an API token of their own):

- ``anonymous``: nobody signed in.
- ``agent``: Ada, an agent of team Care. She owns the private objects (Happy File items, a
  reflection, a quiz attempt, a practice reply) and the conversation everything refers to.
- ``teammate``: Ben, another agent of the *same* team Care ("other agent"): he may read the
  team's things but none of Ada's private ones. He reviews Ada's conversation.
- ``outsider``: Olga, an agent of another team, Billing: signed in, but none of Care's.
- ``lead``: the lead of Care.
- ``other_lead``: the lead of another team, Billing: a lead, but not Care's.
- ``admin``: an admin (no team).

Expected outcomes come from :data:`RULES` and :data:`ROUTES` below, written from the product's
rules (DESIGN.md and each area's permission docstrings), never from observing answers. Every
route of the routing table must appear in :data:`ROUTES`, so a new route cannot slip through.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.all_models import Base
from poise.app import create_app
from poise.auth import actions as auth_actions
from poise.auth.models import ApiToken, User
from poise.connectors.alerts.actions import RuleForm, create_rule
from poise.connectors.alerts.service import target_guard
from poise.connectors.client import Seam
from poise.conversations import actions as conversation_actions
from poise.conversations.records import RatingRecord
from poise.db import make_engine, make_sessionmaker
from poise.db.base import utcnow
from poise.files import write_atomically
from poise.insights.rollup import count_queued
from poise.jobs.models import JobRun
from poise.knowledge import actions as kb
from poise.knowledge.models import FLAG_KINDS, Proposal
from poise.morale import actions as morale
from poise.settings import Settings
from poise.training import actions as training
from poise.training.drills import actions as drills
from poise.training.reflections import actions as reflections
from support import POSTGRES_URL

ROLES = ("anonymous", "agent", "teammate", "outsider", "lead", "other_lead", "admin")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}

# Who may use a route, by the kind of thing it reaches.
RULES: dict[str, frozenset[str]] = {
    # Public pages: the sign-in form, the public wall and its feed, health, the API docs.
    "public": frozenset(ROLES),
    # Anything for every signed-in person: their own lists, the manual, lessons, scenarios.
    "signed_in": SIGNED_IN,
    # Private: only the owner (Ada). Happy File items, reflections, quiz attempts,
    # acknowledging feedback on her own conversation. Not her lead, not an admin.
    "owner": frozenset({"agent"}),
    # A drill's question or answer: its author and leads (who run drills for any launch).
    "owner_or_lead": frozenset({"agent", "lead", "other_lead", "admin"}),
    # A practice reply (personal feedback): its author, the author's lead, an admin; not an
    # unshared teammate, not another team's lead.
    "owner_or_team_lead": frozenset({"agent", "lead", "admin"}),
    # The team's things (Ada's conversation, its peer review): the team and admins, not
    # another team's lead.
    "team": frozenset({"agent", "teammate", "lead", "admin"}),
    # A drill for team Care: the team, and every lead (leads run drills for any launch).
    "team_or_any_lead": frozenset({"agent", "teammate", "lead", "other_lead", "admin"}),
    # The reviewer's own work on a peer review: only the reviewer (Ben).
    "reviewer": frozenset({"teammate"}),
    # Peer review: the conversation's team (see POST /morale/reviews).
    "peer": frozenset({"agent", "teammate", "lead"}),
    # A kudos round being prepared: its collector (Ada), the team's lead, an admin.
    "collector": frozenset({"agent", "lead", "admin"}),
    # Managing one team's things (alert rules, kudos collectors): the team's lead, an admin.
    "team_lead": frozenset({"lead", "admin"}),
    # Lead work not tied to one team: curation, lessons, imports, insights, the wall, jobs.
    "leads": frozenset({"lead", "other_lead", "admin"}),
    # Administration: users, teams, integrations, connectors, models, jobs.
    "admin": frozenset({"admin"}),
    # Webhooks answer to a signature over the body, never to a user's session or token.
    "signature": frozenset(),
}

# Every route of the app: "METHOD path" -> rule. A route missing here fails the test.
ROUTES: dict[str, str] = {
    # shell and auth
    "GET /": "signed_in",  # the home dashboard; anonymous readers are sent to sign in
    "GET /docs": "public",
    "GET /redoc": "public",
    "GET /healthz": "public",
    "GET /favicon.ico": "public",
    "GET /login": "public",
    "POST /login": "public",
    "POST /logout": "signed_in",  # anonymous: no session, so no CSRF token to send
    "GET /account": "signed_in",
    # the in-product help: every signed-in person reads every page of it
    "GET /help": "signed_in",
    "GET /help/conversations": "signed_in",
    "GET /help/signals": "signed_in",
    "GET /help/manual": "signed_in",
    "GET /help/training": "signed_in",
    "GET /help/morale": "signed_in",
    "GET /help/insights": "signed_in",
    "GET /help/alerts": "signed_in",
    "GET /help/admin": "signed_in",
    "POST /account/password": "signed_in",  # one's own, given the current password
    "POST /account/tokens": "signed_in",
    "POST /account/tokens/{token_id}/revoke": "owner",  # one's own token; others' are not found
    "GET /admin/users": "admin",
    "POST /admin/users": "admin",
    "GET /admin/users/{user_id}": "admin",
    "POST /admin/users/{user_id}": "admin",
    "GET /admin/teams": "admin",
    "POST /admin/teams": "admin",
    "POST /admin/teams/{team_id}/rename": "admin",
    "POST /admin/teams/{team_id}/delete": "admin",  # an empty team, made for each reader
    "GET /api/v1/users": "admin",
    "POST /api/v1/users": "admin",
    # conversations, imports, integrations, assist
    "GET /conversations": "signed_in",
    "GET /conversations/{conversation_id}": "team",
    "GET /import": "leads",
    "POST /import": "leads",
    "GET /import/{run_id}/rejected": "team_lead",  # Care's import: customer text
    "GET /admin/integrations": "admin",
    "POST /admin/integrations": "admin",
    "POST /admin/integrations/{integration_id}/rotate": "admin",
    "POST /admin/teams/{team_id}/early-warning": "admin",
    "GET /admin/models": "admin",
    "POST /admin/models/reembed": "admin",
    "GET /admin/jobs": "admin",  # every job of the organisation, its owners and details
    "GET /admin/jobs/{job_id}": "admin",
    "POST /admin/jobs/{job_id}/cancel": "admin",  # Care's import's job has ended: said, not a 400
    "GET /signals": "signed_in",
    "GET /api/v1/conversations": "signed_in",
    "GET /api/v1/conversations/{conversation_id}": "team",
    "GET /api/v1/conversations/{conversation_id}/messages": "team",
    "POST /api/v1/imports": "leads",
    "GET /api/v1/stats": "signed_in",
    "POST /api/v1/webhooks/messages": "signature",
    "GET /api/v1/jobs/{job_id}": "team_lead",  # the job scoring Care's import follows it
    "POST /api/v1/jobs/{job_id}/cancel": "team_lead",
    "POST /jobs/{job_id}/cancel": "team_lead",
    "POST /api/v1/assist": "team",
    "GET /assist/{conversation_id}": "team",
    "POST /assist/{conversation_id}/purpose": "team",
    # the manual
    "GET /manual/kb.js": "public",
    "GET /manual": "signed_in",
    "GET /manual/search": "signed_in",
    "POST /manual/gaps": "signed_in",
    "GET /manual/new": "signed_in",
    "POST /manual/new": "signed_in",
    "GET /manual/proposals": "leads",
    "POST /manual/proposals/merge": "leads",
    "POST /manual/proposals/{proposal_id}/split": "leads",
    "POST /manual/proposals/mine": "leads",
    "POST /manual/proposals/{proposal_id}/accept": "leads",
    "POST /manual/proposals/{proposal_id}/dismiss": "leads",
    "GET /manual/gaps": "leads",
    "GET /manual/fcr": "signed_in",
    "GET /manual/suggestions/{conversation_id}": "team",
    "POST /manual/use": "team",
    "GET /manual/{article_id}": "signed_in",  # a published article
    "GET /manual/{article_id}/edit": "leads",
    "POST /manual/{article_id}/edit": "leads",
    "POST /manual/{article_id}/status": "leads",
    "POST /manual/{article_id}/flag": "signed_in",
    "POST /manual/flags/{flag_id}/resolve": "leads",
    "GET /api/v1/kb/search": "signed_in",
    "GET /api/v1/kb/suggestions/{conversation_id}": "team",
    "GET /api/v1/kb/articles": "signed_in",
    "GET /api/v1/kb/articles/{article_id}": "signed_in",
    "POST /api/v1/kb/articles": "signed_in",  # anyone proposes a draft; leads publish
    "POST /api/v1/kb/articles/{article_id}/status": "leads",
    "POST /api/v1/kb/articles/{article_id}/flags": "signed_in",
    "POST /api/v1/kb/uses": "team",
    "POST /api/v1/kb/gaps": "signed_in",
    # morale
    "GET /morale": "signed_in",
    "GET /morale/happy-file": "signed_in",  # each reader's own file
    "GET /morale/happy-file/pick-me-up": "signed_in",
    "POST /morale/happy-file": "signed_in",
    "POST /morale/happy-file/collect": "signed_in",
    "POST /morale/happy-file/{item_id}/star": "owner",
    "POST /morale/happy-file/{item_id}/delete": "owner",
    "GET /morale/happy-file/{item_id}/screenshot": "owner",
    "POST /morale/nudges/dismiss": "signed_in",
    "GET /morale/reviews": "signed_in",
    # A peer reviews a teammate's conversation: someone of its team other than Ada (her own
    # is refused as input, 400); an admin in no team is nobody's peer.
    "POST /morale/reviews": "peer",
    "GET /morale/reviews/calibration": "leads",
    "GET /morale/reviews/{review_id}": "team",  # reviewer, reviewee once submitted, team lead
    "POST /morale/reviews/{review_id}/submit": "reviewer",
    "POST /morale/reviews/{review_id}/acknowledge": "owner",  # the reviewee
    "GET /morale/scorecards": "leads",
    "POST /morale/scorecards": "leads",
    # a card of team Care (not the one reviewed with): its team's lead or an admin
    "POST /morale/scorecards/{scorecard_id}/retire": "team_lead",
    "POST /morale/scorecards/{scorecard_id}/restore": "team_lead",
    "GET /morale/kudos": "signed_in",
    "POST /morale/kudos/prepare": "collector",  # a month of team Care that rotates to Ada
    "GET /morale/kudos/{round_id}": "collector",
    "POST /morale/kudos/{round_id}/collector": "team_lead",
    "POST /morale/kudos/{round_id}/publish": "collector",
    "GET /morale/balance": "signed_in",
    "GET /morale/balance/team": "team_lead",
    "GET /morale/wall": "leads",
    "POST /morale/wall": "leads",
    "GET /morale/wall/{hug_id}": "team_lead",  # a draft: its drafter's team
    "POST /morale/wall/{hug_id}": "team_lead",  # a draft: its drafter's team
    "POST /morale/wall/{hug_id}/publish": "team_lead",  # a draft: its drafter's team
    "GET /wall": "public",
    "GET /wall/feed.atom": "public",
    "GET /wall/tags": "public",
    "GET /wall/{hug_id}": "public",  # a published hug
    "GET /api/v1/happy-file": "signed_in",
    "POST /api/v1/happy-file": "signed_in",
    "GET /api/v1/happy-file/{item_id}": "owner",
    "POST /api/v1/wall": "leads",
    "POST /api/v1/wall/{hug_id}/publish": "team_lead",  # a draft: its drafter's team
    # training: lessons, quizzes, practice
    "GET /training": "signed_in",
    "GET /training/lessons": "signed_in",
    "POST /training/lessons/starter": "leads",
    "GET /training/lessons/new": "leads",
    "POST /training/lessons": "leads",
    "GET /training/lessons/{lesson_id}": "signed_in",
    "GET /training/lessons/{lesson_id}/edit": "leads",
    "POST /training/lessons/{lesson_id}/edit": "leads",
    "POST /training/lessons/{lesson_id}/assign": "leads",
    "POST /training/lessons/{lesson_id}/attempts": "signed_in",
    "GET /training/attempts/{attempt_id}": "owner",
    "GET /training/progress": "leads",
    "GET /training/practice": "signed_in",
    "GET /training/autoqa": "signed_in",  # each reader sees their own feedback, a lead shares
    "POST /training/autoqa/teams/{team_id}": "team_lead",  # AutoQA opt-in for team Care
    "POST /training/practice/draw": "leads",
    "POST /training/practice/scenarios": "leads",
    "GET /training/practice/review": "signed_in",
    "GET /training/practice/{scenario_id}": "signed_in",
    "POST /training/practice/{scenario_id}": "signed_in",
    "GET /training/practice/replies/{attempt_id}": "owner_or_team_lead",
    "POST /training/practice/replies/{attempt_id}/share": "owner",
    "POST /training/practice/replies/{attempt_id}/read": "owner",
    "POST /training/practice/replies/{attempt_id}/comments": "owner_or_team_lead",
    "GET /api/v1/training/today": "signed_in",
    "GET /api/v1/training/lessons": "signed_in",
    "POST /api/v1/training/lessons": "leads",
    "POST /api/v1/training/lessons/{lesson_id}/attempts": "signed_in",
    "POST /api/v1/training/practice/{scenario_id}": "signed_in",
    "GET /api/v1/training/practice/replies/{attempt_id}": "owner_or_team_lead",
    "PUT /api/v1/training/practice/replies/{attempt_id}/share": "owner",
    "PUT /api/v1/training/practice/replies/{attempt_id}/read": "owner",
    "POST /api/v1/training/practice/replies/{attempt_id}/comments": "owner_or_team_lead",
    # training: drills (for team Care)
    "GET /training/drills": "signed_in",
    "GET /training/drills/new": "leads",
    "POST /training/drills": "leads",
    "GET /training/drills/{drill_id}": "team_or_any_lead",
    "GET /training/drills/{drill_id}/edit": "leads",
    "POST /training/drills/{drill_id}/edit": "leads",
    "POST /training/drills/{drill_id}/status": "leads",
    "POST /training/drills/{drill_id}/questions": "team_or_any_lead",
    "POST /training/drills/{drill_id}/questions/{question_id}/edit": "owner",  # leads delete
    "POST /training/drills/{drill_id}/questions/{question_id}/delete": "owner_or_lead",
    "POST /training/drills/{drill_id}/questions/{question_id}/vote": "team_or_any_lead",
    "POST /training/drills/{drill_id}/questions/{question_id}/answers": "team_or_any_lead",
    "POST /training/drills/{drill_id}/answers/{answer_id}/delete": "owner_or_lead",
    "POST /training/drills/{drill_id}/answers/{answer_id}/endorse": "leads",
    "POST /training/drills/{drill_id}/convert": "leads",
    "GET /api/v1/training/drills": "signed_in",
    "POST /api/v1/training/drills": "leads",
    "GET /api/v1/training/drills/{drill_id}": "team_or_any_lead",
    "PUT /api/v1/training/drills/{drill_id}": "leads",
    "POST /api/v1/training/drills/{drill_id}/status": "leads",
    "POST /api/v1/training/drills/{drill_id}/questions": "team_or_any_lead",
    "PATCH /api/v1/training/drills/{drill_id}/questions/{question_id}": "owner",
    "DELETE /api/v1/training/drills/{drill_id}/questions/{question_id}": "owner_or_lead",
    "PUT /api/v1/training/drills/{drill_id}/questions/{question_id}/vote": "team_or_any_lead",
    "DELETE /api/v1/training/drills/{drill_id}/questions/{question_id}/vote": "team_or_any_lead",
    "POST /api/v1/training/drills/{drill_id}/questions/{question_id}/answers": "team_or_any_lead",
    "DELETE /api/v1/training/drills/{drill_id}/answers/{answer_id}": "owner_or_lead",
    "POST /api/v1/training/drills/{drill_id}/answers/{answer_id}/endorse": "leads",
    "POST /api/v1/training/drills/{drill_id}/convert": "leads",
    # training: reflections (private)
    "GET /training/reflections": "signed_in",
    "GET /training/reflections/new": "signed_in",
    "POST /training/reflections": "signed_in",
    "GET /training/reflections/{reflection_id}": "owner",
    "POST /training/reflections/{reflection_id}/reframe": "owner",
    "POST /training/reflections/{reflection_id}/delete": "owner",
    "GET /api/v1/training/reflections": "signed_in",
    "POST /api/v1/training/reflections": "signed_in",
    "GET /api/v1/training/reflections/{reflection_id}": "owner",
    "PUT /api/v1/training/reflections/{reflection_id}/reframe": "owner",
    "DELETE /api/v1/training/reflections/{reflection_id}": "owner",
    # insights
    "GET /insights": "signed_in",
    "GET /insights/conversations": "leads",
    "GET /insights/hotspots": "leads",
    "GET /insights/hotspot": "leads",
    "GET /insights/exposure": "signed_in",
    "GET /insights/exposure/team": "team_lead",
    "GET /insights/digest": "leads",
    "GET /insights/export/{table}.csv": "leads",
    "GET /api/v1/insights/dashboard": "leads",
    "GET /api/v1/insights/hotspots": "leads",
    "GET /api/v1/insights/exposure": "signed_in",
    "GET /api/v1/insights/exposure/team": "team_lead",
    # connectors and alerts
    "GET /admin/connectors": "admin",
    "POST /admin/connectors/{vendor}": "admin",
    "POST /admin/connectors/{vendor}/sync": "admin",
    "POST /api/v1/connectors/{vendor}/webhook": "signature",
    "GET /alerts": "leads",  # each lead sees their own team's rules
    "GET /alerts/log": "leads",
    "GET /alerts/new": "leads",
    "POST /alerts/rules": "team_lead",  # a rule for team Care
    "GET /alerts/rules/{rule_id}/edit": "team_lead",
    "POST /alerts/rules/{rule_id}/edit": "team_lead",
    "POST /alerts/rules/{rule_id}/test": "team_lead",
    "POST /alerts/rules/{rule_id}/delete": "team_lead",
}

# Query strings a route needs to answer at all (required parameters, or the object to show).
QUERIES: dict[str, str] = {
    "GET /insights/hotspot": "kind=product&value=Poise+Mobile",
    "GET /api/v1/kb/search": "q=refund",
    "GET /manual/search": "q=refund",
    # Team views of team Care: its lead and admins, not another team's lead.
    "GET /api/v1/insights/exposure/team": "team={team_id}",
    "GET /insights/exposure/team": "team={team_id}",
    "GET /morale/balance/team": "team={team_id}",
}

HOOK = "http://127.0.0.1:9/hook"  # nothing listens there: a test message fails at once
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class World:
    """The users and one object of each kind; ``ids`` fills path parameters by name."""

    users: dict[str, User]
    ids: dict[str, int | str]
    per_route: dict[str, dict[str, int | str]] = field(default_factory=dict)


def build_world(session: Session, settings: Settings) -> World:
    """Two teams, seven roles, and one object of every kind the routes reach."""
    users = {
        "agent": make_user(session, team="Care", name="Ada Agent"),
        "teammate": make_user(session, team="Care", name="Ben Agent"),
        "outsider": make_user(session, team="Billing", name="Olga Agent"),
        "lead": make_user(session, role="lead", team="Care", name="Cara Lead"),
        "other_lead": make_user(session, role="lead", team="Billing", name="Bill Lead"),
        "admin": make_user(session, role="admin", name="Ari Admin"),
    }
    ada, ben, lead = users["agent"], users["teammate"], users["lead"]
    start = datetime.now(UTC) - timedelta(days=40)
    conv = make_conversation(
        session,
        assignee_email=ada.email,
        start=start,
        rating=RatingRecord("r1", 3, start + timedelta(minutes=6), "Ada was wonderful, thanks!"),
    )
    article = kb.create_article(
        session,
        actor=lead,
        fields=kb.ArticleFields(title="Refund not received", issue="My refund has not arrived"),
        source_conversation_ids=[conv.id],
    )
    kb.change_status(session, actor=None, article_id=article.id, status="published")
    flag = kb.flag_article(
        session, actor=ada, article_id=article.id, kind=FLAG_KINDS[0], conversation_id=conv.id
    )
    proposal = Proposal(issue="Refund late", group_size=2, conversation_ids=[conv.id])
    session.add(proposal)
    session.commit()

    note = morale.add_happy_note(session, actor=ada, text="A customer said I made their day.")
    shot = morale.add_happy_screenshot(
        session, actor=ada, data=PNG, caption="Kind words", data_dir=settings.data_dir
    )
    card = morale.create_scorecard(session, actor=lead, name="Care card", categories=[("Tone", 5)])
    review = morale.start_review(session, actor=ben, conversation_id=conv.id, scorecard_id=card.id)
    spare_card = morale.create_scorecard(session, actor=lead, name="Spare", categories=[("A", 3)])
    morale.submit_review(
        session,
        actor=ben,
        review_id=review.id,
        scores={card.categories[0].id: 4},
        strengths="Warm and clear.",
        try_next="Name the next step.",
    )
    month = (utcnow().date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    kudos = morale.prepare_round(session, actor=lead, team_id=lead.team_id or 0, month=month)
    morale.change_collector(session, actor=lead, round_id=kudos.id, collector_id=ada.id)
    draft = morale.draft_hug(session, actor=lead, text="You were great!", tags="care", consent=True)
    shown = morale.draft_hug(session, actor=lead, text="So helpful!", tags="care", consent=True)
    morale.publish_hug(session, actor=lead, hug_id=shown.id)

    lesson = training.create_lesson(
        session, actor=lead, title="Apologising well", body="Say sorry once.", quiz=QUIZ
    )
    attempt = training.submit_quiz(session, actor=ada, lesson_id=lesson.id, answers=[[1]])
    scenario = training.create_scenario(
        session, actor=lead, title="Late refund", customer_text="Where is my refund?!"
    )
    reply = training.practise(
        session, actor=ada, scenario_id=scenario.id, reply="I'm sorry, I've issued it now."
    )
    training.comment_on_practice(
        session, actor=lead, attempt_id=reply.id, body="Good: you owned the next step."
    )  # unread by Ada until she opens the reply
    drill = drills.open_drill(
        session,
        actor=lead,
        fields=drills.DrillFields(
            product="Poise Mobile",
            launch_on=utcnow().date() + timedelta(days=30),
            team_id=ada.team_id,
        ),
    )
    question = drills.post_question(
        session, actor=ada, drill_id=drill.id, text="Why did you break my app?"
    )
    drills.move_drill(session, actor=lead, drill_id=drill.id, status="answering")
    answer = drills.post_answer(
        session,
        actor=ada,
        drill_id=drill.id,
        question_id=question.id,
        text="We changed it so that refunds are faster.",
    )
    reflection = reflections.create_reflection(
        session, actor=ada, text="The customer was upset because the refund was late this week."
    )
    assert lead.team_id is not None
    rule = create_rule(
        session,
        actor=lead,
        team_id=lead.team_id,
        form=RuleForm(name="VIP openings", tag="vip", target=HOOK),
        guard=target_guard(settings),
    )
    spare = auth_actions.create_api_token(session, actor=None, user=ada, name="spare")
    spare_id = session.scalar(
        select(ApiToken.id).where(ApiToken.token_hash == auth_actions.token_hash(spare))
    )
    hook = conversation_actions.create_integration(session, actor=None, name="matrix-hook")
    run_id = _import_with_a_rejected_row(session, settings, lead)
    job = JobRun(kind="score", subject=f"import:{run_id}", status="done")
    session.add(job)
    session.commit()
    # A conversation of Billing's about the same product, and the insights rollup counted: a
    # hotspot is served to each lead whose team's conversations name its product (one that
    # none of them names is a page that does not exist, 404).
    make_conversation(session, assignee_email=users["outsider"].email, start=start)
    count_queued(session, window_days=settings.fcr_window_days)

    ids: dict[str, int | str] = {
        "user_id": ada.id,
        "team_id": lead.team_id,
        "conversation_id": conv.id,
        "run_id": run_id,
        "job_id": job.id,
        "proposal_id": proposal.id,
        "article_id": article.id,
        "flag_id": flag.id,
        "item_id": note.id,
        "review_id": review.id,
        "scorecard_id": spare_card.id,
        "round_id": kudos.id,
        "hug_id": draft.id,
        "lesson_id": lesson.id,
        "attempt_id": reply.id,
        "scenario_id": scenario.id,
        "drill_id": drill.id,
        "question_id": question.id,
        "answer_id": answer.id,
        "reflection_id": reflection.id,
        "table": "summary",
        "vendor": "zendesk",
        "rule_id": rule.id,
        "token_id": spare_id or 0,
        "integration_id": hook.id,
    }
    per_route: dict[str, dict[str, int | str]] = {
        "GET /training/attempts/{attempt_id}": {"attempt_id": attempt.attempt.id},
        "GET /morale/happy-file/{item_id}/screenshot": {"item_id": shot.id},
        "GET /wall/{hug_id}": {"hug_id": shown.id},
    }
    return World(users=users, ids=ids, per_route=per_route)


QUIZ = """
? Which is the better apology?
- Sorry for any inconvenience
* I'm sorry your order arrived late
"""


def _import_with_a_rejected_row(session: Session, settings: Settings, lead: User) -> int:
    """An import that kept one good row and refused one, its rejected rows saved as the import
    page saves them."""
    data = (
        b"conversation_id,channel,author_role,body,sent_at\n"
        b"IMP-1,email,customer,Hello there,2026-10-01T10:00:00Z\n"
        b"IMP-2,pigeon,customer,Coo,2026-10-01T10:00:00Z\n"
    )
    report = conversation_actions.import_file(
        session, actor=lead, data=data, filename="mixed.csv", fmt="csv", skip_invalid=True
    )
    assert report.rejected_text
    path = settings.data_dir / "rejected" / f"import-{report.run_id}-rejected.txt"
    write_atomically(path, report.rejected_text.encode())
    return report.run_id


def route_keys(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) of the routing table, HEAD left out (Starlette adds it to GETs)."""
    keys: list[tuple[str, str]] = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            keys.extend((method, route.path) for method in sorted(route.methods - {"HEAD"}))
    return keys


def fill(path: str, key: str, world: World, own: dict[str, int] | None = None) -> str:
    """The path with its parameters filled from the world (a route's own ids first)."""
    values = {**world.ids, **world.per_route.get(key, {}), **(own or {})}
    filled = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
    query = QUERIES.get(key, "").format(**values)
    return f"{filled}?{query}" if query else filled


@dataclass
class Reader:
    """One role's way in: its own cookie jar (swapped into the shared client), a CSRF token
    for pages and an API token for /api/v1."""

    role: str
    client: TestClient
    cookies: httpx.Cookies = field(default_factory=httpx.Cookies)
    csrf: str = ""
    token: str = ""

    def headers(self, path: str, method: str) -> dict[str, str]:
        if self.role == "anonymous":
            return {}
        if path.startswith("/api/"):
            return {"Authorization": f"Bearer {self.token}"}
        return {"X-CSRF-Token": self.csrf} if method != "GET" else {}

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        self.client.cookies = httpx.Cookies(self.cookies)
        sent = {**self.headers(path, method), **(headers or {})}
        response = self.client.request(method, path, headers=sent, follow_redirects=False, **kwargs)
        self.cookies = httpx.Cookies(self.client.cookies)
        return response


def readers(client: TestClient, session: Session, world: World) -> dict[str, Reader]:
    """Every role signed in through the login form, each with its own cookies and tokens."""
    found = {"anonymous": Reader("anonymous", client)}
    for role, user in world.users.items():
        client.cookies.clear()
        csrf = sign_in(client, user)
        token = auth_actions.create_api_token(session, actor=None, user=user)
        found[role] = Reader(role, client, httpx.Cookies(client.cookies), csrf, token)
    client.cookies.clear()
    return found


def is_refused(reader: Reader, status: int, location: str) -> bool:
    """Forbidden looks like 401/403/404, or, for an anonymous page, a redirect to sign in."""
    if status in (401, 403, 404):
        return True
    return reader.role == "anonymous" and status == 303 and location.startswith("/login")


# The one column a read may change: when an API token was last used, written at most once a
# minute per token (auth.actions.touch_token), so a busy client does not write per request.
READ_MAY_TOUCH = {("api_tokens", "last_used_at")}


def fingerprint(session: Session) -> dict[str, int]:
    """A hash of every row of every table (counts alone would miss an UPDATE)."""
    session.expire_all()
    found = {}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in READ_MAY_TOUCH]
        order = list(table.primary_key.columns) or columns
        rows = session.execute(select(*columns).order_by(*order)).all()
        found[table.name] = hash(tuple(tuple(map(repr, row)) for row in rows))
    session.rollback()
    return found


def changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class Matrix:
    """The app under test with its world and a reader per role, shared by a module."""

    client: TestClient
    session: Session
    settings: Settings
    world: World
    readers: dict[str, Reader]


def matrix_settings(data_dir: Path, url: str) -> Settings:
    """The matrix's settings: its alert rules post to HOOK, a loopback port, allowed as an
    on-premises operator allows internal hosts (POISE_ALERTS_ALLOW_PRIVATE_HOSTS), so nothing
    is resolved."""
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=url,
        secret_key="test-secret-key-for-signing-sessions",
        connector_sync_minutes=0,
        alerts_allow_private_hosts=True,
    )


@contextmanager
def open_matrix(request: pytest.FixtureRequest, tmp: Path) -> Iterator[Matrix]:
    """A fresh database on ``request.param``'s backend, the world built in it once."""
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp / "poise.db")
        url = f"sqlite:///{tmp / 'poise.db'}"
    else:
        pg: Engine = request.getfixturevalue("postgres_engine")
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with pg.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        assert POSTGRES_URL
        url = POSTGRES_URL
    settings = matrix_settings(tmp / "data", url)
    engine = make_engine(url)
    app = create_app(settings)
    # Helpdesk syncs go nowhere: every vendor call is answered 401 here, never the network.
    refuse = httpx.MockTransport(lambda request: httpx.Response(401))
    app.state.connector_seam = Seam(transport=refuse, sleep=lambda seconds: None)
    try:
        with pytest.MonkeyPatch.context() as patch:
            # The walk takes minutes on a loaded machine, and the server queues its insights
            # rollup once a minute: its job rows would read as written by whichever GET was
            # walked then. Set before the server starts, whose first wait reads it.
            patch.setattr("poise.scheduler.LOCAL_ROLLUP_SECONDS", 24 * 3600)
            patch.setattr("poise.auth.actions.hash_password", _CHEAP.hash)
            with make_sessionmaker(engine)() as session, TestClient(app) as client:
                world = build_world(session, settings)
                yield Matrix(client, session, settings, world, readers(client, session, world))
    finally:
        engine.dispose()
