"""Every write route (POST, PUT, PATCH, DELETE) for every role, as route_matrix.RULES say.

Each request is real: pages send the reader's CSRF token, the API the reader's token, and the
body is a valid one from :data:`BODIES` (or none, where the route needs none or where an empty
form is what is checked). Refused roles go first, so a refusal is proven against an object
that still exists; then each allowed role writes for real. Allowed means served: 2xx or 3xx,
or a 400/409/422 that refuses the *input or state* (a second publish, a duplicate, the empty
body of a lead-only form, since FastAPI checks roles before the body); never 401/403/404.
Routes that use up their object (deletes) get a fresh one per request. Logout and login come
last, as they end and start sessions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from route_matrix import (
    BACKENDS,
    HOOK,
    QUIZ,
    ROLES,
    ROUTES,
    RULES,
    Matrix,
    Reader,
    fill,
    is_refused,
    open_matrix,
    route_keys,
)
from sqlalchemy.orm import Session

from builders import csrf_from
from poise.auth.actions import create_team
from poise.auth.models import Team
from poise.connectors.alerts.actions import RuleForm, create_rule
from poise.connectors.alerts.service import target_guard
from poise.db.base import utcnow
from poise.knowledge.models import Proposal
from poise.morale import actions as morale
from poise.training.drills import actions as drills
from poise.training.models import Drill
from poise.training.reflections import actions as reflections

NEXT_MONTH = (utcnow().date() + timedelta(days=40)).isoformat()

FOR_CARE = {"launch_on": NEXT_MONTH, "team_id": "{team_id}"}
RULE_FORM = {
    "name": "VIP openings",
    "event": "early_warning",
    "channel": "slack",
    "target": "{hook}",
    "tag": "vip",
    "threshold": "50",
    "timezone": "UTC",
    "hourly_limit": "10",
    "enabled": "1",
}

# A valid body per route, "{name}" filled from the world's ids. Pages post a form, the API
# JSON. Routes not listed post nothing (their form fields have defaults, or they take none).
BODIES: dict[str, dict[str, Any]] = {
    "POST /account/tokens": {"name": "matrix"},
    "POST /admin/users": {"email": "new@example.com", "name": "New", "role": "agent"},
    "POST /admin/users/{user_id}": {"role": "agent", "team": "{team_id}", "is_active": "true"},
    "POST /admin/teams": {"name": "Returns"},
    "POST /admin/teams/{team_id}/rename": {"name": "Care"},  # its own name: nothing changes
    "POST /api/v1/users": {"email": "api@example.com", "name": "Api", "role": "agent"},
    "POST /admin/integrations": {"name": "helpdesk"},
    "POST /admin/teams/{team_id}/early-warning": {"level": "high"},
    "POST /training/autoqa/teams/{team_id}": {"enabled": "1"},
    "POST /api/v1/assist": {"conversation_id": "{conversation_id}"},
    "POST /assist/{conversation_id}/purpose": {"purpose": "A refund"},
    "POST /manual/gaps": {"q": "gift vouchers"},
    "POST /manual/proposals/merge": {"proposal_ids": ["{first}", "{second}"]},
    "POST /manual/use": {"conversation_id": "{conversation_id}", "article_id": "{article_id}"},
    "POST /manual/{article_id}/edit": {"title": "Refund not received", "issue": "No refund"},
    "POST /manual/{article_id}/status": {"status": "retired"},
    "POST /manual/{article_id}/flag": {"kind": "stale", "note": "Moved"},
    "POST /api/v1/kb/articles": {"title": "Voucher", "issue": "Do you sell vouchers?"},
    "POST /api/v1/kb/articles/{article_id}/status": {"status": "retired"},
    "POST /api/v1/kb/articles/{article_id}/flags": {"kind": "stale"},
    "POST /api/v1/kb/uses": {"conversation_id": "{conversation_id}", "article_id": "{article_id}"},
    "POST /api/v1/kb/gaps": {"query": "gift vouchers"},
    "POST /morale/happy-file": {"text": "Thanks from a customer"},
    "POST /morale/reviews": {"conversation_id": "{conversation_id}", "scorecard_id": "1"},
    "POST /morale/reviews/{review_id}/submit": {"strengths": "Warm", "try_next": "Sum up"},
    "POST /morale/reviews/{review_id}/acknowledge": {"reply": "Thank you!"},
    "POST /morale/scorecards": {"name": "Card", "categories": "Tone 5"},
    "POST /morale/kudos/prepare": {"team_id": "{team_id}", "month": "{earlier_month}"},
    "POST /morale/kudos/{round_id}/collector": {"collector_id": "{collector_id}"},
    "POST /morale/kudos/{round_id}/publish": {"note": "Well done, team"},
    "POST /morale/wall": {"text": "Lovely help", "tags": "care", "consent": "true"},
    "POST /morale/wall/{hug_id}": {"text": "Lovely help!", "tags": "care", "consent": "true"},
    "POST /api/v1/happy-file": {"text": "Thanks from a customer"},
    "POST /api/v1/wall": {"text": "Lovely help", "tags": ["care"], "consent": True},
    "POST /training/lessons": {"title": "New", "body": "Body", "quiz": "{quiz}"},
    "POST /training/lessons/{lesson_id}/edit": {"title": "Sorry", "body": "B", "quiz": "{quiz}"},
    "POST /training/lessons/{lesson_id}/assign": {"target": "team:{team_id}", "due": NEXT_MONTH},
    "POST /training/lessons/{lesson_id}/attempts": {"q0": "1"},
    "POST /training/practice/scenarios": {"title": "Rude", "customer_text": "You are useless"},
    "POST /training/practice/{scenario_id}": {"reply": "I'm sorry; I've fixed it now."},
    "POST /training/practice/replies/{attempt_id}/share": {"shared": "1"},
    "POST /training/practice/replies/{attempt_id}/comments": {"body": "Nice ownership."},
    "POST /api/v1/training/lessons": {"title": "Api lesson", "quiz": "{quiz}"},
    "POST /api/v1/training/lessons/{lesson_id}/attempts": {"answers": [[1]]},
    "POST /api/v1/training/practice/{scenario_id}": {"reply": "I'm sorry; I've fixed it."},
    "PUT /api/v1/training/practice/replies/{attempt_id}/share": {"shared": True},
    "POST /api/v1/training/practice/replies/{attempt_id}/comments": {"body": "Nice."},
    "POST /training/drills": {"product": "Poise Web", "launch_on": NEXT_MONTH},
    # Edits keep the drill Care's: "everyone" would let the outsider take part.
    "POST /training/drills/{drill_id}/edit": {"product": "Poise Mobile", **FOR_CARE},
    "POST /training/drills/{drill_id}/status": {"status": "collecting"},
    "POST /training/drills/{drill_id}/questions": {"text": "Is this a joke?"},
    "POST /training/drills/{drill_id}/questions/{question_id}/edit": {"text": "Why, honestly?"},
    "POST /training/drills/{drill_id}/questions/{question_id}/vote": {"voted": "1"},
    "POST /training/drills/{drill_id}/questions/{question_id}/answers": {"text": "Because."},
    "POST /api/v1/training/drills": {"product": "Poise Web", "launch_on": NEXT_MONTH},
    "PUT /api/v1/training/drills/{drill_id}": {"product": "Poise Mobile", **FOR_CARE},
    "POST /api/v1/training/drills/{drill_id}/status": {"status": "collecting"},
    "POST /api/v1/training/drills/{drill_id}/questions": {"text": "Is this a prank?"},
    "PATCH /api/v1/training/drills/{drill_id}/questions/{question_id}": {"text": "Why, really?"},
    "POST /api/v1/training/drills/{drill_id}/questions/{question_id}/answers": {"text": "So."},
    "POST /training/reflections": {"text": "It went badly because I rushed today."},
    "POST /training/reflections/{reflection_id}/reframe": {"text": "It was one bad day."},
    "POST /api/v1/training/reflections": {"text": "It went badly because I rushed."},
    "PUT /api/v1/training/reflections/{reflection_id}/reframe": {"text": "One bad day."},
    "POST /alerts/rules": {"team": "{team_id}", **RULE_FORM},
    "POST /alerts/rules/{rule_id}/edit": RULE_FORM,
    "POST /api/v1/webhooks/messages": {"conversation_id": "x", "text": "hello"},
    "POST /admin/connectors/{vendor}": {
        "subdomain": "acme",
        "email": "bot@acme.example.com",
        "api_token": "secret",
    },
    "POST /api/v1/connectors/{vendor}/webhook": {"id": 1},
    "POST /admin/teams/{team_id}/delete": {"confirm": "true"},
    "POST /admin/integrations/{integration_id}/rotate": {"confirm": "true"},
    "POST /account/tokens/{token_id}/revoke": {"confirm": "true"},
    "POST /alerts/rules/{rule_id}/delete": {"confirm": "true"},
}

# State changes that would change what later routes meet go last, in this order.
LAST = (
    "/publish",
    "/status",
    "/convert",
    "/accept",
    "/dismiss",
    "/merge",
    "/split",
    "/endorse",
    "/delete",
)


def _order(key: str) -> tuple[int, str]:
    method, path = key.split(" ", 1)
    if path in ("/logout", "/login"):
        return (3 if path == "/login" else 2, key)
    return (1 if method == "DELETE" or path.endswith(LAST) else 0, key)


@pytest.fixture(scope="module", params=BACKENDS)
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    with open_matrix(request, tmp_path_factory.mktemp("writes")) as built:
        yield built


def _fresh(matrix: Matrix) -> dict[str, Callable[[], dict[str, int]]]:
    """Makers of a new object for routes that use theirs up, so each role meets one."""
    session: Session = matrix.session
    users, ids = matrix.world.users, matrix.world.ids
    ada, lead = users["agent"], users["lead"]
    drill_id = int(ids["drill_id"])
    numbers = iter(range(1, 10_000))

    def note() -> dict[str, int]:
        return {"item_id": morale.add_happy_note(session, actor=ada, text="Kind words").id}

    def reflection() -> dict[str, int]:
        made = reflections.create_reflection(
            session, actor=ada, text="The call went badly because the refund was late again."
        )
        return {"reflection_id": made.id}

    @contextmanager
    def drill_in(status: str) -> Iterator[None]:
        """The drill in the state posting needs, then back as the routes left it."""
        drill = session.get(Drill, drill_id)
        assert drill is not None
        was, drill.status = drill.status, status
        session.commit()
        yield
        drill.status = was
        session.commit()

    def question() -> dict[str, int]:
        with drill_in("collecting"):
            text = f"Rude question {next(numbers)}?"
            made = drills.post_question(session, actor=ada, drill_id=drill_id, text=text)
        return {"question_id": made.id}

    def answer() -> dict[str, int]:
        with drill_in("answering"):
            made = drills.post_answer(
                session,
                actor=ada,
                drill_id=drill_id,
                question_id=int(ids["question_id"]),
                text=f"We made refunds faster, and here is how ({next(numbers)}).",
            )
        return {"answer_id": made.id}

    def rule() -> dict[str, int]:
        assert lead.team_id is not None
        made = create_rule(
            session,
            actor=lead,
            team_id=lead.team_id,
            form=RuleForm(name="Old", tag="old", target="https://chat.example.com/old"),
            guard=target_guard(matrix.settings),
        )
        return {"rule_id": made.id}

    def team() -> dict[str, int]:
        return {"team_id": create_team(session, actor=None, name=f"Spare {next(numbers)}").id}

    def proposal() -> dict[str, int]:
        made = Proposal(issue="Refund late", group_size=2, conversation_ids=[])
        session.add(made)
        session.commit()
        return {"proposal_id": made.id}

    def two_proposals() -> dict[str, int]:
        return {"first": proposal()["proposal_id"], "second": proposal()["proposal_id"]}

    return {
        "POST /manual/proposals/merge": two_proposals,
        "POST /manual/proposals/{proposal_id}/accept": proposal,
        "POST /manual/proposals/{proposal_id}/dismiss": proposal,
        "POST /manual/proposals/{proposal_id}/split": proposal,
        "POST /morale/happy-file/{item_id}/delete": note,
        "POST /training/reflections/{reflection_id}/delete": reflection,
        "DELETE /api/v1/training/reflections/{reflection_id}": reflection,
        "POST /training/drills/{drill_id}/questions/{question_id}/delete": question,
        "DELETE /api/v1/training/drills/{drill_id}/questions/{question_id}": question,
        "POST /training/drills/{drill_id}/answers/{answer_id}/delete": answer,
        "DELETE /api/v1/training/drills/{drill_id}/answers/{answer_id}": answer,
        "POST /alerts/rules/{rule_id}/delete": rule,
        "POST /admin/teams/{team_id}/delete": team,
    }


def _body(key: str, values: dict[str, Any]) -> Any:
    def filled(value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**values)
        if isinstance(value, list):
            return [filled(v) for v in value]
        return value

    body = BODIES.get(key)
    return None if body is None else {name: filled(v) for name, v in body.items()}


def _send(reader: Reader, key: str, url: str, body: Any) -> Any:
    method, path = key.split(" ", 1)
    if path == "/login":  # the form's own token: a sign-in starts a new session
        reader.cookies.clear()
        reader.csrf = csrf_from(reader.request("GET", "/login").text)
        return reader.request(method, url, data={**(body or {}), "csrf_token": reader.csrf})
    if path == "/api/v1/webhooks/messages":  # well formed, signed wrongly
        headers = {
            "X-Poise-Integration": "helpdesk",
            "X-Poise-Timestamp": str(int(time.time())),
            "X-Poise-Signature": "sha256=" + "0" * 64,
        }
        return reader.request(method, url, json=body, headers=headers)
    if body is None:
        return reader.request(method, url)
    if path.startswith("/api/"):
        return reader.request(method, url, json=body)
    return reader.request(method, url, data=body)


def _adas_month(matrix: Matrix) -> str:
    """An earlier month (a new round; the world's is last month's) whose rotating collector
    is Ada, so preparing it is hers, her lead's or an admin's to do, not Ben's."""
    ada = matrix.world.users["agent"]
    team = matrix.session.get(Team, ada.team_id)
    assert team is not None
    first = utcnow().date().replace(day=1)
    for back in range(2, 14):
        month = f"{(first.year * 12 + first.month - 1 - back) // 12}-"
        month += f"{(first.month - 1 - back) % 12 + 1:02d}"
        collector = morale.rotating_collector(team, month)
        if collector is not None and collector.id == ada.id:
            return month
    raise AssertionError("no month of the last year rotates to Ada")


def _values(matrix: Matrix) -> dict[str, Any]:
    month = (utcnow().date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return {
        "earlier_month": _adas_month(matrix),
        **matrix.world.ids,
        "quiz": QUIZ,
        "month": month,
        "collector_id": matrix.world.users["agent"].id,  # kept: Ada publishes later
        "hook": HOOK,
    }


def _why(response: Any) -> str:
    """The refusal's message: the API's detail, or the error page's first paragraph."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return str(response.json().get("detail", ""))[:160]
    found = re.search(r"<main[^>]*>(.*?)</main>", response.text, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1) if found else ""))[:160]


def test_every_write_answers_each_role_as_the_rules_say(matrix: Matrix) -> None:
    keys = sorted(
        (f"{m} {p}" for m, p in route_keys(matrix.client.app) if m != "GET"),  # type: ignore[arg-type]
        key=_order,
    )
    assert len(keys) > 90 and set(keys) <= ROUTES.keys()
    fresh = _fresh(matrix)
    values = _values(matrix)
    wrong = []
    for key in keys:
        allowed = RULES[ROUTES[key]]
        path = key.split(" ", 1)[1]
        for role in sorted(ROLES, key=lambda r: r in allowed):  # the refused first
            reader = matrix.readers[role]
            own = fresh[key]() if key in fresh else {}
            url = fill(path, key, matrix.world, own)
            if key == "POST /login":
                user = matrix.world.users.get(role, matrix.world.users["agent"])
                body = {"email": user.email, "password": "correct-horse-battery"}
            else:
                body = _body(key, {**values, **own})
            response = _send(reader, key, url, body)
            status, location = response.status_code, response.headers.get("location", "")
            refused = is_refused(reader, status, location)
            said = f"{role} {key.split()[0]} {url} -> {status} {location}"
            if status >= 500:
                wrong.append(said)
            elif role in allowed and (refused or status in (401, 403, 404)):
                wrong.append(f"{said} (should be allowed) {_why(response)}")
            elif role not in allowed and not refused:
                wrong.append(f"{said} (should be refused)")
    assert not wrong, "\n".join(wrong)
