"""Every page with a ``row-cards`` table (rows shown as cards on a phone), each with a row
that carries its actions, and the admin who reads them all: the phone's layout and the
tables' roles are checked on the same pages, in the browser and in the HTML."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from connectors.alerts.alert_builders import ON_PREMISES, make_rule
from knowledge.kb_manual import publish_manual
from sqlalchemy.orm import Session

from builders import make_conversation, make_user
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.connectors.alerts.actions import queue_test
from poise.conversations.actions import create_integration, import_file
from poise.conversations.models import ImportRun
from poise.conversations.scoring import score_messages
from poise.insights.rollup import count_all
from poise.jobs import JobRun
from poise.knowledge import actions as manual
from poise.knowledge.search import search
from poise.training import actions as training
from poise.training.drills import actions as drills
from poise.training.reflections import actions as reflections


def row_card_pages(session: Session) -> tuple[User, list[str]]:
    """An admin, and the paths of the pages whose tables show rows as cards, each page with
    at least one row whose actions or links a phone must reach."""
    admin = make_user(session, role="admin", team="Care", name="Ada Admin")
    lead = make_user(session, role="lead", team="Care")
    make_user(session, team="Billing and invoices with a long team name")
    create_api_token(session, actor=admin, user=admin, name="helpdesk sync")
    create_integration(session, actor=admin, name="zammad")
    rule = make_rule(session, lead, target="http://127.0.0.1:9/hook", guard=ON_PREMISES)
    queue_test(session, actor=lead, rule_id=rule.id, base_url="http://poise")
    make_conversation(
        session,
        status="open",
        assignee_email=lead.email,
        customer_text="Third time I'm asking. Useless! Where is my refund?",
    )
    score_messages(session)
    count_all(session, window_days=30)  # the rollup that insights' conversation list reads
    manual.log_gap(session, actor=admin, result=search(session, "lights blink orange"))
    running_import(session, lead)
    refused = refused_import(session, lead)
    assigned_lesson(session, lead)
    practice_and_drills(session, admin, lead)
    publish_manual(session, lead)
    team_id = lead.team_id
    return admin, [
        "/admin/teams",
        "/admin/users",
        "/admin/integrations",
        "/admin/jobs",  # the running import's scoring job offers Cancel
        "/account",
        f"/alerts?team={team_id}",
        f"/alerts/log?team={team_id}",
        "/signals",
        "/manual/gaps",
        "/import",
        f"/import?run={refused}",
        "/conversations",
        "/insights/conversations?start=2026-11-01&end=2026-11-28",
        "/training/progress",
        "/training/practice",
        "/training/practice/review",
        "/training/reflections",
        "/training/drills",
        "/manual",
        "/insights/hotspots?start=2026-11-01&end=2026-11-28",
    ]


def running_import(session: Session, lead: User) -> JobRun:
    """An import of ``lead``'s team whose scoring job is running: its row offers Cancel."""
    run = ImportRun(
        filename="helpdesk-export-2026-12-07-full-history.csv",
        format="csv",
        source="csv",
        sha256="0" * 64,
        status="imported",
        rows_total=40_000,
        messages_created=38_250,
        team_id=lead.team_id,
        created_by_id=lead.id,
    )
    session.add(run)
    session.flush()
    job = JobRun(kind="score-import", subject=f"import:{run.id}", status="running", total=4)
    session.add(job)
    session.commit()
    return job


def refused_import(session: Session, lead: User) -> int:
    """The id of ``lead``'s import of a real sample file refused for its bad rows: its report
    lists each problem's line, field and reason."""
    sample = Path(__file__).parent / "fixtures" / "imports" / "zendesk_tickets.ndjson"
    report = import_file(
        session, actor=lead, data=sample.read_bytes(), filename=sample.name, fmt="zendesk"
    )
    assert report.errors, "the sample's bad rows are refused"
    return report.run_id


def assigned_lesson(session: Session, lead: User) -> None:
    """A lesson ``lead`` assigned to their team, due in a week: the progress page's rows."""
    lesson = training.create_lesson(
        session,
        actor=lead,
        title="Owning the next step when a refund is late",
        body="Say what you will do next, and when.",
        quiz="? Pick the right one\n- wrong\n* right",
    )
    due = datetime.now(UTC) + timedelta(days=7)
    training.assign_lesson(
        session, actor=lead, lesson_id=lesson.id, due_at=due, team_id=lead.team_id
    )


def practice_and_drills(session: Session, admin: User, lead: User) -> None:
    """A launch drill of ``lead``'s, a practice reply a teammate shared for comments, and
    ``admin``'s own practice reply and reflection: a row on each of training's lists."""
    drills.open_drill(
        session,
        actor=lead,
        fields=drills.DrillFields(
            product="Web Dashboard",
            feature="New navigation",
            launch_on=date.today(),
            launch_until=date.today() + timedelta(days=14),  # a window: two dates side by side
        ),
    )
    scenario = training.create_scenario(
        session,
        actor=lead,
        title="A refund three weeks late, after two promises",
        customer_text="Three weeks and no refund!",
    )
    agent = make_user(session, team="Care", name="Maximiliana Oyelaran-Castellanos")
    for author in (agent, admin):
        reply = "I'm sorry; I will refund it today and write to you when it is done."
        made = training.practise(session, actor=author, scenario_id=scenario.id, reply=reply)
        training.share_practice(session, actor=author, attempt_id=made.id)
    reflections.create_reflection(
        session, actor=admin, text="I always freeze when they shout. I'm useless at this job."
    )
