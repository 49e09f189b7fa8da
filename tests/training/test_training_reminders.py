"""Reminders: in the app (the Training badge) and by e-mail through a real SMTP server.

The SMTP server is aiosmtpd listening on a loopback port, so the mail goes over a real
connection exactly as it would to a company's mail relay.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import make_user, sign_in
from poise.app import create_app
from poise.auth.models import User
from poise.cli import app as cli_app
from poise.mail import Mailer, parse_smtp_url
from poise.settings import Settings
from poise.training import actions
from poise.training.models import ReminderSent
from poise.training.reminders import next_run, send_reminders

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
QUIZ = "? Which sentence owns the next step?\n- Someone will be in touch\n* I will email by noon"


class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses chosen recipients."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def _due_lesson(session: Session, *people: User) -> int:
    lesson = actions.create_lesson(
        session, actor=None, title="Owning the next step", body="Say who and when.", quiz=QUIZ
    )
    for person in people:
        actions.assign_lesson(
            session,
            actor=None,
            lesson_id=lesson.id,
            user_id=person.id,
            due_at=NOW + timedelta(days=2),
        )
    return lesson.id


def test_one_reminder_a_day_to_each_person_with_something_due(
    session: Session, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    maya = make_user(session, name="Maya Lopez", email="maya@example.com")
    sam = make_user(session, name="Sam Ortiz", email="sam@example.com")
    make_user(session, name="Idle Ida")
    lesson_id = _due_lesson(session, maya, sam)
    mailer = Mailer.from_url(url, "Poise <poise@example.com>")
    assert mailer is not None

    first = send_reminders(session, mailer=mailer, base_url="https://poise.example", now=NOW)
    assert (first.sent, first.already, first.nothing_due) == (2, 0, 1)
    by_to = {m["To"]: m for m in inbox.messages}
    assert set(by_to) == {"maya@example.com", "sam@example.com"}
    mail = by_to["maya@example.com"]
    assert mail["Subject"] == "Training today: 1 thing to do"
    assert mail["From"] == "Poise <poise@example.com>"
    body = mail.get_payload()
    assert isinstance(body, str)
    assert "Hello Maya Lopez" in body and "Owning the next step: due 2026-03-04" in body
    assert f"https://poise.example/training/lessons/{lesson_id}" in body

    later = send_reminders(session, mailer=mailer, base_url="x", now=NOW + timedelta(hours=5))
    assert (later.sent, later.already) == (0, 2) and len(inbox.messages) == 2

    actions.submit_quiz(session, actor=sam, lesson_id=lesson_id, answers=[[1]], now=NOW)
    tomorrow = send_reminders(session, mailer=mailer, base_url="x", now=NOW + timedelta(days=1))
    assert (tomorrow.sent, tomorrow.nothing_due) == (1, 2)
    assert inbox.messages[-1]["To"] == "maya@example.com"


def test_a_refused_mail_is_reported_and_tried_again_next_run(
    session: Session, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    maya = make_user(session, email="maya@example.com")
    _due_lesson(session, maya)
    mailer = Mailer.from_url(url, "poise@example.com")
    assert mailer is not None
    inbox.refuse.add("maya@example.com")

    refused = send_reminders(session, mailer=mailer, base_url="x", now=NOW)
    assert refused.sent == 0 and refused.failed[0].startswith("maya@example.com:")
    assert session.scalars(select(ReminderSent)).all() == []

    inbox.refuse.clear()
    retried = send_reminders(session, mailer=mailer, base_url="x", now=NOW)
    assert retried.sent == 1 and [m["To"] for m in inbox.messages] == ["maya@example.com"]


def test_the_remind_command_needs_smtp_and_reports_what_it_did(
    cli_env: Settings,
    session: Session,
    smtp: tuple[Inbox, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, url = smtp
    runner = CliRunner()
    missing = runner.invoke(cli_app, ["training", "remind"])
    assert missing.exit_code == 2 and "POISE_SMTP_URL" in missing.output

    _due_lesson(session, make_user(session, email="maya@example.com"))
    monkeypatch.setenv("POISE_SMTP_URL", url)
    done = runner.invoke(cli_app, ["training", "remind"])
    assert done.exit_code == 0, done.output
    assert "1 reminder sent; 0 already reminded today" in done.output  # not "1 reminders"
    assert [m["To"] for m in inbox.messages] == ["maya@example.com"]

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("POISE_SMTP_URL", f"smtp://127.0.0.1:{closed}")
    down = runner.invoke(cli_app, ["training", "remind"])
    assert down.exit_code == 2 and "could not hand mail to 127.0.0.1" in down.output


def test_smtp_urls_are_checked_when_settings_load() -> None:
    server = parse_smtp_url("smtp+starttls://ops%40example.com:s3cret@mail.example.com")
    assert (server.host, server.port, server.security) == ("mail.example.com", 587, "starttls")
    assert (server.username, server.password) == ("ops@example.com", "s3cret")
    assert parse_smtp_url("smtps://mail.example.com").port == 465
    with pytest.raises(ValidationError, match="POISE_SMTP_URL must start with"):
        Settings(smtp_url="http://mail.example.com")
    with pytest.raises(ValidationError, match="needs a host"):
        Settings(smtp_url="smtp://")


def test_the_daily_run_waits_for_the_hour_or_for_tomorrow() -> None:
    assert next_run(NOW.replace(hour=5, minute=30), 7) == NOW
    assert next_run(NOW, 7) == NOW + timedelta(days=1)
    assert next_run(NOW.replace(hour=23), 7) == NOW + timedelta(days=1)


def test_the_training_tab_shows_how_much_is_due(client: TestClient, session: Session) -> None:
    agent = make_user(session)
    sign_in(client, agent)
    assert 'class="badge"' not in client.get("/conversations").text
    _due_lesson(session, agent)
    page = client.get("/conversations").text
    badge = '<span class="badge" title="1 due in training">1<span class="visually-hidden"> due'
    assert badge in page


def test_the_server_catches_up_on_today_s_reminders_at_start(
    settings: Settings, session: Session, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    _due_lesson(session, make_user(session, email="maya@example.com"))
    configured = settings.model_copy(update={"smtp_url": url, "reminder_hour": 0})
    with TestClient(create_app(configured)):
        deadline = time.monotonic() + 10
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [m["To"] for m in inbox.messages] == ["maya@example.com"]
    assert len(session.scalars(select(ReminderSent)).all()) == 1


def test_the_remind_command_draws_its_bar_on_stderr(
    cli_env: Settings, session: Session, smtp: tuple[Inbox, str]
) -> None:
    """Its bar went to stdout, in front of the report a cron job mails or a script reads."""
    _inbox, url = smtp
    _due_lesson(session, make_user(session, email="maya@example.com"))
    done = subprocess.run(
        [str(Path(sys.executable).parent / "poise"), "training", "remind"],
        env={**os.environ, "POISE_SMTP_URL": url, "FORCE_COLOR": "1", "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Reminding" in done.stderr
    assert done.stdout == "1 reminder sent; 0 already reminded today; 0 with nothing due\n"
