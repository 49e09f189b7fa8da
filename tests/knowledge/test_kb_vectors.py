"""The manual's stored vectors after an encoder upgrade: readers stay right without writing,
and ``reembed`` (command, scheduler, mining) brings every stored vector up to date."""

from __future__ import annotations

import json
import re

import numpy as np
from fastapi.testclient import TestClient
from kb_manual import publish_manual
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import finished_job, make_user, sign_in
from poise import minilm
from poise.cli import app as cli
from poise.db.meta import get_fact, set_fact
from poise.knowledge import actions, search, vectors
from poise.knowledge.gaps import gap_report
from poise.knowledge.models import Article, Gap, Phrasing
from poise.knowledge.text import from_blob, to_blob
from poise.settings import Settings


def _blobs(session: Session) -> list[bytes | None]:
    session.expire_all()
    rows = list(session.scalars(select(Article.embedding)))
    rows += list(session.scalars(select(Phrasing.embedding)))
    return rows + list(session.scalars(select(Gap.embedding)))


def _outdate(session: Session) -> None:
    """What an upgrade leaves: every stored vector from another encoder (here: noise)."""
    rng = np.random.default_rng(1)
    for model in (Article, Phrasing, Gap):
        for row_id in session.scalars(select(model.id)):
            noise = rng.normal(size=384).astype(np.float32)
            session.execute(
                update(model)
                .where(model.id == row_id)
                .values(embedding=to_blob(noise / np.linalg.norm(noise)))
            )
    set_fact(session, vectors.ENCODER_FACT, "an-older-encoder")
    search.bump_version(session)
    session.commit()


def test_a_new_manual_is_marked_with_todays_encoder(session: Session) -> None:
    assert vectors.stored_current(session)  # nothing stored yet
    publish_manual(session, make_user(session, role="lead"))
    assert get_fact(session, vectors.ENCODER_FACT) == vectors.ENCODER_VERSION
    assert vectors.stored_current(session)


def test_outdated_vectors_are_not_read_and_reembed_replaces_them(session: Session) -> None:
    lead = make_user(session, role="lead")
    manual = publish_manual(session, lead)
    gap = search.search(session, "my parcel went to the wrong address")
    actions.log_gap(session, actor=lead, result=gap)
    fresh = search.search(session, "my money back still hasn't arrived")
    _outdate(session)
    assert not vectors.stored_current(session)
    before = _blobs(session)

    stale = search.search(session, "my money back still hasn't arrived")
    assert [h.article_id for h in stale.hits] == [h.article_id for h in fresh.hits]
    assert stale.hits[0].article_id == manual["Refund not received"].id
    assert abs(stale.confidence - fresh.confidence) < 1e-4  # computed in memory, not from noise
    assert gap_report(session, actor=lead).total == 1
    assert _blobs(session) == before  # reading wrote nothing

    done = vectors.reembed(session)
    assert done["vectors"] == len(before)
    assert vectors.stored_current(session)
    issue = session.get(Article, manual["Refund not received"].id)
    assert issue is not None and issue.embedding is not None
    expected = vectors.encode([issue.issue])[0]
    assert float(from_blob(issue.embedding) @ expected) > 0.9999
    again = search.search(session, "my money back still hasn't arrived")
    assert abs(again.confidence - fresh.confidence) < 1e-4


def test_the_reembed_command_shows_progress_and_then_has_nothing_to_do(
    session: Session, cli_env: Settings
) -> None:
    publish_manual(session, make_user(session, role="lead"))
    _outdate(session)
    runner = CliRunner()
    upgraded = runner.invoke(cli, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and "run `poise kb reembed`" in upgraded.output
    first = runner.invoke(cli, ["kb", "reembed"])
    assert first.exit_code == 0, first.output
    assert "Re-embedded 12 texts" in first.output
    session.expire_all()
    assert vectors.stored_current(session)
    second = runner.invoke(cli, ["kb", "reembed"])
    assert "already from " + vectors.ENCODER_VERSION in second.output
    assert "reembed" not in runner.invoke(cli, ["db", "upgrade"]).output


def test_an_admin_sees_outdated_vectors_and_re_embeds_them_from_the_models_page(
    client: TestClient, session: Session
) -> None:
    publish_manual(session, make_user(session, role="lead"))
    _outdate(session)
    lead_token = sign_in(client, make_user(session, role="lead"))
    assert client.post("/admin/models/reembed", data={"csrf_token": lead_token}).status_code == 403
    token = sign_in(client, make_user(session, role="admin"))
    page = client.get("/admin/models").text
    assert "come from an older encoder" in page and "Re-embed the manual now" in page
    assert not vectors.stored_current(session)  # viewing changed nothing
    response = client.post("/admin/models/reembed", data={"csrf_token": token})
    assert response.status_code == 200 and "Re-embedding started" in response.text
    job = finished_job(session, "kb:reembed")
    assert job is not None and job.status == "done", job and job.detail
    assert job.detail == "12 manual texts re-embedded"
    page = client.get("/admin/models").text
    assert re.search(r"<title>Models\b[^<]*</title>", page)
    assert "stored vectors are its own" in page and "Re-embed the manual now" not in page
    assert vectors.ENCODER_VERSION in page and "Right first" in page  # its card and figures


def test_the_encoders_card_names_the_shipped_version() -> None:
    card = json.loads(minilm.INTENTS_CARD.read_text(encoding="utf-8"))
    assert card["version"] == vectors.ENCODER_VERSION
    assert all(0 < row["tuned"]["acc1"] <= 1 for row in card["matching"])
