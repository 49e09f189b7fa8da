"""Reflections: the explanatory-style rater, its evaluation, and private reflections.

A reflection is visible to its author and to nobody else, not even a lead or an admin: they
get the same 404 as for a reflection that does not exist, on the pages and in the API.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from test_charts import charts_in, texts
from typer.testing import CliRunner

from builders import make_conversation, make_user, sign_in, write_thread
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.cli import app as cli
from poise.conversations.models import Conversation, Message
from poise.repeats import REPEAT_WINDOW
from poise.settings import Settings
from poise.signals import get_scorer
from poise.signals.explanatory import ExplanatoryScorer
from poise.signals.reframing import coach
from poise.training.models import Reflection
from poise.training.reflections.actions import create_reflection

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "tests" / "fixtures" / "explanatory_style" / "dev.jsonl"
HOLDOUT = ROOT / "benchmarks" / "data" / "explanatory_style_holdout.jsonl"
PESSIMISTIC = "I always freeze when customers shout. I'm useless at this job and it's my fault."
OPTIMISTIC = "The customer was already furious about the outage before I picked up today."
runner = CliRunner()


def _ratings(text: str) -> tuple[int, int, int]:
    result = ExplanatoryScorer().score(text)
    return result.permanent.rating, result.pervasive.rating, result.personal.rating


def _phrases(text: str, dimension: str) -> list[str]:
    return [e.phrase for e in getattr(ExplanatoryScorer().score(text), dimension).evidence]


# --- The rater ------------------------------------------------------------------------------


def test_clear_explanations_are_rated_with_the_words_behind_them() -> None:
    assert all(r >= 6 for r in _ratings(PESSIMISTIC))
    assert "always" in _phrases(PESSIMISTIC, "permanent")
    assert any("useless at" in p for p in _phrases(PESSIMISTIC, "pervasive"))
    assert "it's my fault" in _phrases(PESSIMISTIC, "personal")
    permanent, pervasive, personal = _ratings(OPTIMISTIC)
    assert permanent <= 3 and pervasive <= 4 and personal <= 2
    assert "today" in _phrases(OPTIMISTIC, "permanent")
    assert any("already furious" in p for p in _phrases(OPTIMISTIC, "personal"))
    # Mixed: personal, but temporary and specific.
    mixed = "I forgot to check the order history on this call because I was tired today."
    assert _ratings(mixed)[0] <= 3 and _ratings(mixed)[1] <= 4 and _ratings(mixed)[2] >= 5
    # Nothing either way is "can't tell" (4), which counts as the optimistic side.
    neutral = ExplanatoryScorer().score("Hello.")
    assert [d.rating for d in neutral.dimensions] == [4, 4, 4]
    assert not any(d.pessimistic for d in neutral.dimensions)


def test_negation_flips_a_cue_and_intensifiers_strengthen_it() -> None:
    assert _ratings("It wasn't my fault.")[2] <= 2
    assert "wasn't my fault" in _phrases("It wasn't my fault.", "personal")
    assert _ratings("It isn't always like this.")[0] <= 3
    assert "isn't always" in _phrases("It isn't always like this.", "permanent")
    # "not just this one" widens the scope instead of narrowing it.
    assert _ratings("I fumbled every ticket, not just this one.")[1] >= 5
    # Denying an outside cause does not blame the agent instead.
    assert _ratings("It isn't that customers are awful; nobody briefed us.")[2] <= 4
    # "None of that was my fault" is a denial, like "it wasn't my fault".
    assert _ratings("None of that was my fault.")[2] <= 3
    plain = ExplanatoryScorer().score("I'm useless.").pervasive.score
    strong = ExplanatoryScorer().score("I'm completely useless.").pervasive.score
    assert strong >= plain > 0
    # "never … before" is an exception, not a pattern; "so" is not a clause break.
    assert _ratings("I've never had a call like that before.")[0] <= 3
    assert _ratings("I'm so tired this week.")[2] >= 5


def test_coaching_asks_rewrites_and_gives_examples_for_each_pessimistic_dimension() -> None:
    text = "I always freeze when customers shout. Everyone hates me."
    result = ExplanatoryScorer().score(text)
    advice = {c.dimension: c for c in coach(text, result)}
    assert set(advice) == {d.dimension for d in result.dimensions if d.pessimistic}
    assert advice["permanent"].prompt.startswith("Is this every call, or this one?")
    assert advice["permanent"].reframe == "I sometimes freeze when customers shout."
    assert advice["pervasive"].reframe == "This customer hates me."
    assert all(len(c.examples) == 2 for c in advice.values())
    calm = ExplanatoryScorer().score(OPTIMISTIC)
    assert coach(OPTIMISTIC, calm) == []


def test_the_scorer_is_registered_and_versioned() -> None:
    scorer = get_scorer("explanatory")
    assert scorer is get_scorer("explanatory")
    assert scorer.version.startswith("explanatory-")
    assert scorer.score(PESSIMISTIC).version == scorer.version


# --- poise eval explanatory-style -----------------------------------------------------------

TINY = [
    {"text": PESSIMISTIC, "permanent": 1, "pervasive": 1, "personal": 1},
    {"text": "The system was down today.", "permanent": 0, "pervasive": 0, "personal": 0},
    # The gold label calls this personal; the rater (rightly) does not: a false negative.
    {"text": "The courier lost her parcel.", "permanent": 0, "pervasive": 0, "personal": 1},
    # And this one permanent; the rater sees "today": another false negative.
    {"text": "Today I was off with everyone.", "permanent": 1, "pervasive": 1, "personal": 1},
]


def test_eval_reports_accuracy_and_f1_per_dimension(tmp_path: Path) -> None:
    data = tmp_path / "tiny.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in TINY))
    result = runner.invoke(cli, ["eval", "explanatory-style", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"n", "dimensions", "mean_accuracy"}
    assert report["n"] == 4
    # permanent: tp 1, fn 1, tn 2 -> accuracy 3/4, F1 2*1/(2+0+1)
    # pervasive: tp 2, tn 2 -> perfect; personal: tp 2, fn 1, tn 1 -> 3/4, F1 4/5
    assert report["dimensions"] == {
        "permanent": {"accuracy": 0.75, "f1": 0.6667},
        "pervasive": {"accuracy": 1.0, "f1": 1.0},
        "personal": {"accuracy": 0.75, "f1": 0.8},
    }
    assert report["mean_accuracy"] == round((0.75 + 1.0 + 0.75) / 3, 4)
    table = runner.invoke(cli, ["eval", "explanatory-style", "--data", str(data)]).output
    assert re.search(r"permanent\s+0\.7500\s+0\.6667", table)
    assert re.search(r"mean\s+0\.8333", table)


def test_eval_names_the_bad_line_and_exits_2(tmp_path: Path) -> None:
    good = json.dumps(TINY[0])
    cases = {
        "missing": (good + '\n{"text": "x", "permanent": 1}\n', "line 2: missing pervasive"),
        "json": (good + "\n{not json\n", "line 2: not valid JSON"),
        "label": (
            '{"text": "x", "permanent": 2, "pervasive": 0, "personal": 0}\n',
            'line 1: "permanent" must be 0 or 1',
        ),
        "empty": ("\n", "no labelled reflections"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_text(content)
        result = runner.invoke(cli, ["eval", "explanatory-style", "--data", str(path)])
        assert result.exit_code == 2, name
        assert message in result.output, (name, result.output)
    missing = runner.invoke(cli, ["eval", "explanatory-style", "--data", str(tmp_path / "no")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_the_shipped_sets_are_large_balanced_and_meet_the_goal() -> None:
    for path, least in ((DEV, 150), (HOLDOUT, 100)):
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        assert len(rows) >= least
        for dimension in ("permanent", "pervasive", "personal"):
            share = sum(r[dimension] for r in rows) / len(rows)
            assert 0.4 <= share <= 0.6, (path.name, dimension, share)
        result = runner.invoke(cli, ["eval", "explanatory-style", "--data", str(path), "--json"])
        report = json.loads(result.output)
        assert report["mean_accuracy"] >= 0.85, path.name
        assert all(d["accuracy"] >= 0.8 for d in report["dimensions"].values()), path.name
    dev_texts = {json.loads(line)["text"] for line in DEV.read_text().splitlines()}
    holdout_texts = {json.loads(line)["text"] for line in HOLDOUT.read_text().splitlines()}
    assert not dev_texts & holdout_texts


# --- Private reflections on the web and in the API ------------------------------------------


def _write(client: TestClient, csrf: str, text: str, conversation_id: int | None = None) -> int:
    data = {"text": text, "csrf_token": csrf}
    if conversation_id is not None:
        data["conversation_id"] = str(conversation_id)
    made = client.post("/training/reflections", data=data, follow_redirects=False)
    assert made.status_code == 303, made.text
    return int(made.headers["location"].rsplit("/", 1)[1])


def _bearer(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def test_the_author_writes_reads_and_reframes_a_reflection(
    client: TestClient, session: Session
) -> None:
    author = make_user(session)
    csrf = sign_in(client, author)
    assert "You have not written a reflection yet" in client.get("/training/reflections").text
    refused = client.post("/training/reflections", data={"text": " ", "csrf_token": csrf})
    assert refused.status_code == 400 and "write your reflection first" in refused.text
    assert '<span class="field-error" role="alert" id="text-error">' in refused.text
    reflection_id = _write(client, csrf, PESSIMISTIC)
    long_reframe = "x" * 4001
    too_long = client.post(
        f"/training/reflections/{reflection_id}/reframe",
        data={"text": long_reframe, "csrf_token": csrf},
    )
    assert too_long.status_code == 400
    # the message stands beside the reframe box at the foot of the page, with the draft kept
    box = too_long.text.split('id="reframe"', 1)[1]
    assert f">{long_reframe}</textarea>" in box and 'id="text-error"' in box
    assert "under 4000 characters" in box
    page = client.get(f"/training/reflections/{reflection_id}").text
    assert "Permanent ↔ temporary: 7" in page and "<q>always</q>" in page
    assert "Is this every call, or this one?" in page
    assert "I sometimes freeze when customers shout." in page
    reframed = client.post(
        f"/training/reflections/{reflection_id}/reframe",
        data={"text": "I froze on this call today; the shouting threw me.", "csrf_token": csrf},
    )
    assert "Reframe saved and rated." in reframed.text
    assert "toward temporary" in reframed.text
    stored = session.get(Reflection, reflection_id)
    assert stored is not None
    session.refresh(stored)
    assert stored.author_id == author.id and stored.permanent == 7
    assert stored.reframe_permanent is not None and stored.reframe_permanent <= 3
    # A second reflection draws the trend of the author's own ratings.
    _write(client, csrf, OPTIMISTIC)
    listing = client.get("/training/reflections").text
    assert "Your trend" in listing and listing.count('class="sparkline"') == 3
    # each dimension drawn on its own 1 to 7 and said as rated (a 7 read "1.00")
    permanent = session.scalars(
        select(Reflection.permanent)
        .where(Reflection.author_id == author.id)
        .order_by(Reflection.id)
    ).all()
    first = charts_in(listing, "sparkline")[0]
    assert texts(first) == ["1", "7", "4"]
    assert first.findtext("title", "").startswith(
        "Your permanent ↔ temporary ratings over time, 7 = permanent: "
        + ", ".join(str(r) for r in permanent)
    )
    assert listing.count("/training/reflections/") >= 2


def test_words_that_point_neither_way_are_not_praised_as_optimistic(
    client: TestClient, session: Session
) -> None:
    """ "It went badly." rated 4 ("can't tell") on all three scales, and the page said it
    "already sounds temporary, specific and fair about causes": praise for saying nothing."""
    csrf = sign_in(client, make_user(session))
    page = client.get(f"/training/reflections/{_write(client, csrf, 'It went badly.')}").text
    coaching = page.split('id="coaching-heading"', 1)[1].split('id="reframe"', 1)[0]
    assert "already sounds" not in coaching
    assert "did not lean either way on any of the three scales" in coaching
    partly = client.get(f"/training/reflections/{_write(client, csrf, 'The system was down.')}")
    coaching = partly.text.split('id="coaching-heading"', 1)[1].split('id="reframe"', 1)[0]
    assert "it already sounds external" in coaching
    assert "temporary, specific" not in coaching
    assert "permanent ↔ temporary and pervasive ↔ specific" in coaching
    clear = client.get(f"/training/reflections/{_write(client, csrf, OPTIMISTIC)}").text
    assert "already sounds temporary, specific and fair about causes" in clear


def test_a_reflection_sent_twice_at_once_is_kept_once(client: TestClient, session: Session) -> None:
    """Save clicked twice kept the reflection twice; the repeat now lands on the one kept,
    while the same words later, about another conversation, or by another agent are new."""
    author, other = make_user(session), make_user(session)
    conv = make_conversation(session, assignee_email=author.email)
    csrf = sign_in(client, author)
    first = _write(client, csrf, PESSIMISTIC, conv.id)
    assert _write(client, csrf, PESSIMISTIC, conv.id) == first
    mine = select(Reflection.id).where(Reflection.author_id == author.id)
    assert session.scalars(mine).all() == [first]
    assert _write(client, csrf, PESSIMISTIC) != first, "not about the conversation: new"
    assert create_reflection(session, actor=other, text=PESSIMISTIC).author_id == other.id
    earlier = datetime.now(UTC) - REPEAT_WINDOW - timedelta(seconds=1)
    session.execute(update(Reflection).values(created_at=earlier))
    session.commit()
    assert _write(client, csrf, PESSIMISTIC, conv.id) != first, "the same words later: new"
    assert len(session.scalars(mine).all()) == 3


def test_right_to_left_words_read_in_their_own_direction(
    client: TestClient, session: Session
) -> None:
    """An Arabic reflection sat flush left in a left-to-right block, its punctuation on the
    wrong side: the author's words, and the boxes they type them in, take their own direction."""
    csrf = sign_in(client, make_user(session))
    words = "كان العميل غاضبا لأنني تأخرت في الرد."
    reflection_id = _write(client, csrf, words)
    page = client.get(f"/training/reflections/{reflection_id}").text
    assert f'<blockquote dir="auto" class="reflection-text">{words}</blockquote>' in page
    assert '<textarea name="text" dir="auto"' in page
    assert (
        f'<td role="cell" class="text" dir="auto">{words}</td>'
        in client.get("/training/reflections").text
    )
    assert '<textarea name="text" dir="auto"' in client.get("/training/reflections/new").text


def test_deleting_a_reflection_asks_first_and_says_it_is_for_good(
    client: TestClient, session: Session
) -> None:
    """ "Delete this reflection" sat under "Rate my reframe" and deleted at one click, for
    good: it now opens a warning whose own button deletes."""
    csrf = sign_in(client, make_user(session))
    reflection_id = _write(client, csrf, PESSIMISTIC)
    page = client.get(f"/training/reflections/{reflection_id}").text
    ask = page.split('<details class="delete-reflection">')[1].split("</details>")[0]
    assert "<summary>Delete this reflection…</summary>" in ask
    assert "cannot be undone" in ask
    assert f'action="/training/reflections/{reflection_id}/delete"' in ask
    assert page.count(f"/training/reflections/{reflection_id}/delete") == 1
    gone = client.post(f"/training/reflections/{reflection_id}/delete", data={"csrf_token": csrf})
    assert "Reflection deleted." in gone.text
    assert session.get(Reflection, reflection_id) is None


def test_a_rating_off_the_middle_without_a_phrase_does_not_say_nothing_pointed_either_way(
    client: TestClient, session: Session
) -> None:
    """An Arabic reflection was rated "Personal ↔ external: 5 (personal)" by the learned
    model, with no phrase behind it, and the page said "Nothing in your words pointed either
    way" under the 5: only a 4 is "either way"."""
    csrf = sign_in(client, make_user(session))
    reflection_id = _write(client, csrf, "The customer was angry about the delay.")
    stored = session.get(Reflection, reflection_id)
    assert stored is not None
    analysis = json.loads(json.dumps(stored.analysis))
    for dimension in ("permanent", "pervasive", "personal"):
        analysis["original"][dimension]["evidence"] = []
    session.execute(
        update(Reflection)
        .where(Reflection.id == reflection_id)
        .values(analysis=analysis, permanent=4, pervasive=2, personal=5)
    )
    session.commit()
    page = client.get(f"/training/reflections/{reflection_id}").text
    views = {
        d: page.split(f'data-dimension="{d}"')[1].split("</li>")[0]
        for d in ("permanent", "pervasive", "personal")
    }
    assert "Nothing in your words pointed either way." in views["permanent"]
    assert "pointed either way" not in views["pervasive"]
    leans = "No one phrase decided it: read as a whole, your words lean specific."
    assert leans in views["pervasive"]
    assert "read as a whole, your words lean personal." in views["personal"]


def test_invisible_text_is_refused_like_an_empty_one(client: TestClient, session: Session) -> None:
    """Zero-width spaces and direction marks are not whitespace: pasted alone they were kept
    as a reflection (and a practice reply) that showed nothing, and were rated."""
    author = make_user(session)
    csrf = sign_in(client, author)
    for invisible in ("\u200b\u200b", "\u200e \u2060", "\ufeff"):
        refused = client.post("/training/reflections", data={"text": invisible, "csrf_token": csrf})
        assert refused.status_code == 400 and "write your reflection first" in refused.text
    assert session.scalars(select(Reflection)).all() == []
    kept = _write(client, csrf, "I froze\u200b today; the shouting threw me.")  # inside: fine
    assert session.get(Reflection, kept) is not None


def test_nobody_else_sees_a_reflection_not_even_a_lead_or_an_admin(
    client: TestClient, session: Session
) -> None:
    author = make_user(session, team="Billing")
    csrf = sign_in(client, author)
    secret = "I'm useless with refunds and it's all my fault, every single time."
    reflection_id = _write(client, csrf, secret)
    own = f"/api/v1/training/reflections/{reflection_id}"
    author_api = client.get(own, headers=_bearer(session, author))
    assert author_api.status_code == 200 and author_api.json()["text"] == secret
    others = [
        make_user(session, team="Billing"),
        make_user(session, role="lead", team="Billing"),
        make_user(session, role="admin"),
    ]
    for other in others:
        client.cookies.clear()
        csrf = sign_in(client, other)
        assert client.get(f"/training/reflections/{reflection_id}").status_code == 404
        assert secret not in client.get("/training/reflections").text
        reframe = client.post(
            f"/training/reflections/{reflection_id}/reframe",
            data={"text": "Overwritten", "csrf_token": csrf},
        )
        assert reframe.status_code == 404
        delete = client.post(
            f"/training/reflections/{reflection_id}/delete", data={"csrf_token": csrf}
        )
        assert delete.status_code == 404
        headers = _bearer(session, other)
        api = client.get(f"/api/v1/training/reflections/{reflection_id}", headers=headers)
        assert api.status_code == 404 and api.json() == {"detail": "no such reflection"}
        assert client.get("/api/v1/training/reflections", headers=headers).json() == []
        put = client.put(
            f"/api/v1/training/reflections/{reflection_id}/reframe",
            json={"text": "Overwritten"},
            headers=headers,
        )
        assert put.status_code == 404
        gone = client.delete(f"/api/v1/training/reflections/{reflection_id}", headers=headers)
        assert gone.status_code == 404
    # A missing id answers exactly the same, so existence does not leak.
    missing = client.get("/api/v1/training/reflections/999999", headers=headers)
    assert missing.status_code == 404 and missing.json() == {"detail": "no such reflection"}
    stored = session.scalars(select(Reflection)).one()
    assert stored.text == secret and stored.reframe is None


def test_the_reflections_page_pages_through_a_long_history(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """One reflection after each hard conversation adds up; the page listed every one."""
    agent = make_user(session)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for n in range(settings.page_size + 3):
        session.add(
            Reflection(
                author_id=agent.id, text=f"Reflection number {n:03d}.", permanent=4,
                pervasive=4, personal=4, analysis={}, scorer_version="test",
                created_at=start + timedelta(days=n),
            )
        )  # fmt: skip
    session.commit()
    sign_in(client, agent)
    first = client.get("/training/reflections").text
    newest = settings.page_size + 2
    assert f"Reflection number {newest:03d}." in first and "Reflection number 002." not in first
    assert f"{settings.page_size + 3} in all · page 1 of 2" in first
    second = client.get("/training/reflections?page=2").text
    assert "Reflection number 000." in second and f"number {newest:03d}." not in second
    beyond = client.get("/training/reflections?page=5").text
    assert "the list ends at page 2" in beyond and "not written a reflection yet" not in beyond


def test_the_api_lists_creates_gets_reframes_and_deletes_the_callers_own(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    headers = _bearer(session, agent)
    conv = make_conversation(session, subject="Refund chase")
    made = client.post(
        "/api/v1/training/reflections",
        json={"text": PESSIMISTIC, "conversation_id": conv.id},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["conversation_id"] == conv.id
    assert body["dimensions"]["permanent"]["rating"] == 7
    assert body["dimensions"]["permanent"]["pessimistic"] is True
    assert {"phrase": "always", "toward": "permanent", "weight": 2.0} in body["dimensions"][
        "permanent"
    ]["evidence"]
    assert {c["dimension"] for c in body["coaching"]} == {"permanent", "pervasive", "personal"}
    assert body["scorer_version"].startswith("explanatory-")
    listed = client.get("/api/v1/training/reflections", headers=headers).json()
    assert [r["id"] for r in listed] == [body["id"]]
    reframed = client.put(
        f"/api/v1/training/reflections/{body['id']}/reframe",
        json={"text": "The customer was already angry about the outage today."},
        headers=headers,
    ).json()
    assert reframed["reframe"].startswith("The customer was already angry")
    personal = reframed["dimensions"]["personal"]
    assert personal["rating"] >= 6 and personal["reframe_rating"] <= 2
    empty = client.post("/api/v1/training/reflections", json={"text": ""}, headers=headers)
    assert empty.status_code == 400 and "write your reflection first" in empty.text
    nowhere = client.post(
        "/api/v1/training/reflections",
        json={"text": PESSIMISTIC, "conversation_id": 999999},
        headers=headers,
    )
    assert nowhere.status_code == 404
    gone = client.delete(f"/api/v1/training/reflections/{body['id']}", headers=headers)
    assert gone.status_code == 204
    assert client.get("/api/v1/training/reflections", headers=headers).json() == []
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/training/reflections/{reflection_id}/reframe" in spec["paths"]
    assert {"ReflectionCreate", "ReflectionPublic"} <= set(spec["components"]["schemas"])


def _with_peak(session: Session, peak: float, agent: User) -> Conversation:
    conv = make_conversation(session, subject=f"Peak {peak}", assignee_email=agent.email)
    session.execute(
        update(Conversation).where(Conversation.id == conv.id).values(peak_negativity=peak)
    )
    session.commit()
    return conv


def test_the_conversation_page_offers_a_reflection_only_when_it_was_hard(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    hard = _with_peak(session, 0.91, agent)
    calm = _with_peak(session, 0.3, agent)
    csrf = sign_in(client, agent)
    offer = f'href="/training/reflections/new?conversation={hard.id}"'
    page = client.get(f"/conversations/{hard.id}").text
    assert "This one was hard — reflect on it" in page and offer in page
    assert "reflect on it" not in client.get(f"/conversations/{calm.id}").text
    form = client.get(f"/training/reflections/new?conversation={hard.id}")
    assert form.status_code == 200 and "Peak 0.91" in form.text
    # the peak reads as the conversation page says it, not as a bare probability
    about = form.text.split('class="reflection-about"')[1].split("</p>")[0]
    assert "91% likely negative" in about and "0.91" not in about.split("</a>")[1]
    assert f'name="conversation_id" value="{hard.id}"' in form.text
    reflection_id = _write(client, csrf, "The customer was angry about the delay.", hard.id)
    page = client.get(f"/training/reflections/{reflection_id}").text
    assert f'href="/conversations/{hard.id}"' in page
    assert client.get("/training/reflections/new?conversation=999999").status_code == 404
    # Only the agent it is assigned to is offered it (help: Conversations): not a lead, nor a
    # teammate who opens someone else's hard conversation.
    for role in ("lead", "agent"):
        client.cookies.clear()
        sign_in(client, make_user(session, role=role))
        assert "reflect on it" not in client.get(f"/conversations/{hard.id}").text


def test_a_tampered_conversation_id_shows_the_form_again_with_the_words_kept(
    client: TestClient, session: Session
) -> None:
    """The id travels in a hidden field: a word, another team's conversation or one that
    does not exist each get the same message on the form (never which), the words kept."""
    other = make_user(session, team="Billing")
    elsewhere = make_conversation(session, assignee_email=other.email)
    author = make_user(session, team="Care")
    csrf = sign_in(client, author)
    words = "I froze when the customer shouted about the refund."
    answers = []
    for tampered in ("abc", str(elsewhere.id), str(elsewhere.id + 1000)):
        data = {"text": words, "conversation_id": tampered, "csrf_token": csrf}
        refused = client.post("/training/reflections", data=data)
        assert refused.status_code == 400, refused.text
        assert 'id="conversation_id-error"' in refused.text
        assert f">{words}</textarea>" in refused.text
        assert 'name="conversation_id"' not in refused.text  # sent again, it stands alone
        answers.append(refused.text.split('id="conversation_id-error">')[1].split("<")[0])
    assert len(set(answers)) == 1 and "not one you can open" in answers[0]
    assert session.scalars(select(Reflection)).all() == []
    api = [
        client.post(
            "/api/v1/training/reflections",
            json={"text": words, "conversation_id": tampered},
            headers=_bearer(session, author),
        )
        for tampered in (elsewhere.id, elsewhere.id + 1000)
    ]
    assert [a.status_code for a in api] == [404, 404] and api[0].json() == api[1].json()


def test_the_api_lists_reflections_a_page_at_a_time(client: TestClient, session: Session) -> None:
    """The list answered every reflection at once, each with its evidence and coaching."""
    agent = make_user(session)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for n in range(5):
        session.add(
            Reflection(
                author_id=agent.id, text=f"Reflection number {n:03d}.", permanent=4,
                pervasive=4, personal=4, analysis={}, scorer_version="test",
                created_at=start + timedelta(days=n),
            )
        )  # fmt: skip
    session.commit()
    headers = _bearer(session, agent)
    first = client.get("/api/v1/training/reflections?page_size=2", headers=headers)
    assert first.status_code == 200
    assert [r["text"] for r in first.json()] == ["Reflection number 004.", "Reflection number 003."]
    assert first.headers["X-Total-Count"] == "5"
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    last = client.get("/api/v1/training/reflections?page_size=2&page=3", headers=headers)
    assert [r["text"] for r in last.json()] == ["Reflection number 000."]
    assert "Link" not in last.headers
    too_big = client.get("/api/v1/training/reflections?page_size=1000", headers=headers)
    assert too_big.status_code == 422


def test_a_reflection_on_a_huge_thread_reads_the_conversation_not_its_turns(
    client: TestClient, session: Session
) -> None:
    """The reflection's form, its page and the API's check of the conversation it is about
    loaded the whole thread: only the subject, the id and the peak are shown. An imported
    thread of 87,747 turns was read whole for a link."""
    agent = make_user(session)
    said = [("customer" if k % 2 else "agent", f"turn {k:04d} said") for k in range(1, 3001)]
    write_thread(session, said, external_id="huge", subject="Card declined again")
    conv_id = session.scalars(select(Conversation.id).filter_by(external_id="huge")).one()
    session.execute(
        update(Conversation).where(Conversation.id == conv_id).values(peak_negativity=0.91)
    )
    session.commit()
    csrf = sign_in(client, agent)
    loaded: list[int] = []

    def count(message: Message, _context: object) -> None:
        loaded.append(message.id)

    event.listen(Message, "load", count)
    try:
        form = client.get(f"/training/reflections/new?conversation={conv_id}")
        reflection_id = _write(client, csrf, OPTIMISTIC, conv_id)
        page = client.get(f"/training/reflections/{reflection_id}")
        made = client.post(
            "/api/v1/training/reflections",
            json={"text": PESSIMISTIC, "conversation_id": conv_id},
            headers=_bearer(session, agent),
        )
    finally:
        event.remove(Message, "load", count)
    assert loaded == []  # no turn of the thread read, however long
    about = form.text.split('class="reflection-about"')[1].split("</p>")[0]
    assert f'<a href="/conversations/{conv_id}">Card declined again</a>' in about
    assert "91% likely negative" in about
    assert f'name="conversation_id" value="{conv_id}"' in form.text
    assert f'<a href="/conversations/{conv_id}">Card declined again</a>' in page.text
    assert made.status_code == 201 and made.json()["conversation_id"] == conv_id
