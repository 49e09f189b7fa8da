"""Practice: scenarios from the archive (redacted) or by a lead, and immediate feedback."""

from __future__ import annotations

from datetime import timedelta
from itertools import count, islice

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.auth.actions import create_api_token
from poise.conversations.models import Message
from poise.db.base import utcnow
from poise.training import actions
from poise.training.feedback import label_reply
from poise.training.models import PracticeAttempt, PracticeScenario
from poise.training.queries import TREND_REPLIES

ANGRY = "This is the third time! Email me at robin.c@example.com or call 0612345678, idiots."
GOOD_REPLY = (
    "I'm so sorry, three weeks is far too long to wait. That's on us, not you. "
    "I've reissued the refund and you'll see it within 3 working days."
)
BAD_REPLY = "As I said, refunds take 30 days. You should have read the terms."


def _hard_message(session: Session, score: float, text: str = ANGRY) -> None:
    conversation = make_conversation(session, customer_text=text)
    message = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id)
        .where(Message.author_role == "customer")
    ).one()
    message.negativity = score
    session.commit()


def test_feedback_explains_each_label_and_handles_negation() -> None:
    good = label_reply(GOOD_REPLY)
    assert all(good[label].present for label in ("acknowledges", "apologizes", "ownership"))
    assert good["next_step"].present and "within 3 working days" in good["next_step"].phrases
    assert not good["blames_customer"].present and good["blames_customer"].suggestion == ""
    bad = label_reply(BAD_REPLY)
    assert bad["dismissive"].phrases == ["as i said"]
    assert "you should have" in bad["blames_customer"].phrases
    assert bad["apologizes"].suggestion.startswith("Apologise once")
    kind = label_reply("It's not your fault at all, and you shouldn't have had to chase us.")
    assert not kind["blames_customer"].present
    assert not label_reply("No need to apologise! Here is the link.")["apologizes"].present
    assert not label_reply("I'm not sorry about the policy.")["apologizes"].present
    non_apology = label_reply("Sorry if you feel that way.")
    assert not non_apology["apologizes"].present and non_apology["dismissive"].present


def test_a_lead_draws_redacted_hard_messages_only_once(
    client: TestClient, session: Session
) -> None:
    _hard_message(session, 0.92)
    _hard_message(session, 0.4, "Could you check my order?")
    csrf = sign_in(client, make_user(session, role="lead"))
    first = client.post("/training/practice/draw", data={"csrf_token": csrf})
    assert "Added 1 scenario from the archive" in first.text
    again = client.post("/training/practice/draw", data={"csrf_token": csrf})
    assert "No new customer messages" in again.text
    # the threshold reads as a percentage likely negative, as the conversation page says it
    assert "70% or more likely negative" in again.text and "negativity of 0.7" not in again.text
    scenario = session.scalars(select(PracticeScenario)).one()
    assert "robin.c@example.com" not in scenario.customer_text
    assert "0612345678" not in scenario.customer_text
    assert "[email]" in scenario.customer_text and "third time" in scenario.customer_text
    client.cookies.clear()
    csrf = sign_in(client, make_user(session))
    assert client.post("/training/practice/draw", data={"csrf_token": csrf}).status_code == 403
    refused = client.post(
        "/training/practice/scenarios",
        data={"title": "x", "customer_text": "y", "csrf_token": csrf},
    )
    assert refused.status_code == 403


def test_a_drawn_tweet_leaves_out_the_handles_it_was_addressed_with(
    client: TestClient, session: Session
) -> None:
    """A scenario drawn from a tweet began "[handle] Following up…": the redacted company
    handle read as if the customer had typed a placeholder. A handle inside the text stays
    redacted where it stands."""
    _hard_message(session, 0.9, "@AcmeHelp @AcmeCare Following up AGAIN. Ask @jo_smith_88 too!")
    csrf = sign_in(client, make_user(session, role="lead"))
    client.post("/training/practice/draw", data={"csrf_token": csrf})
    scenario = session.scalars(select(PracticeScenario)).one()
    assert scenario.customer_text == "Following up AGAIN. Ask [handle] too!"


def test_an_agent_practises_and_sees_progress(client: TestClient, session: Session) -> None:
    csrf = sign_in(client, make_user(session, role="lead"))
    made = client.post(
        "/training/practice/scenarios",
        data={
            "title": "Late refund",
            "customer_text": "Where is my refund? Three weeks!",
            "model_answer": GOOD_REPLY,
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    scenario_id = int(made.headers["location"].rsplit("/", 1)[1])
    client.cookies.clear()
    agent = make_user(session)
    csrf = sign_in(client, agent)
    assert "You have not practised yet" in client.get("/training/practice").text
    empty = client.post(
        f"/training/practice/{scenario_id}", data={"reply": " ", "csrf_token": csrf}
    )
    assert empty.status_code == 400 and "write a reply first" in empty.text
    assert 'class="field-error"' in empty.text and "Where is my refund?" in empty.text
    # the box itself is marked, tied to its message and focused, not only the message shown
    box = empty.text.split('<textarea name="reply"')[1].split(">")[0]
    assert 'aria-invalid="true" aria-describedby="reply-error" autofocus' in box
    long_reply = "I hear you. " * 400
    too_long = client.post(
        f"/training/practice/{scenario_id}", data={"reply": long_reply, "csrf_token": csrf}
    )
    assert too_long.status_code == 400 and long_reply.strip() in too_long.text, "reply kept"
    bad = client.post(
        f"/training/practice/{scenario_id}", data={"reply": BAD_REPLY, "csrf_token": csrf}
    )
    assert "Is dismissive: yes" in bad.text and "<q>as i said</q>" in bad.text
    # What to acknowledge is quoted from the customer's message, not only a generic example.
    assert "Here, what they told you: <q>Where is my refund?</q>" in bad.text
    assert "Closeness to the model answer" in bad.text
    good = client.post(
        f"/training/practice/{scenario_id}", data={"reply": GOOD_REPLY, "csrf_token": csrf}
    )
    assert "Closeness to the model answer: 100%" in good.text
    assert "what they told you" not in good.text, "acknowledged: nothing to quote"
    history = client.get("/training/practice").text
    assert history.count("Late refund") == 3  # the scenario and two replies
    token = create_api_token(session, actor=None, user=agent)
    api = client.post(
        f"/api/v1/training/practice/{scenario_id}",
        json={"reply": BAD_REPLY},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 201
    labels = api.json()["labels"]
    assert labels["blames_customer"] == {
        "present": True,
        "good": False,
        "phrases": ["you should have"],
        "suggestion": labels["blames_customer"]["suggestion"],
    }
    assert labels["apologizes"]["present"] is False and labels["apologizes"]["suggestion"]


def test_a_scenario_title_over_the_limit_is_refused_not_cut(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, make_user(session, role="lead"))
    title = "t" * 201
    data = {"title": title, "customer_text": "Where is my refund?", "csrf_token": csrf}
    refused = client.post("/training/practice/scenarios", data=data)
    assert refused.status_code == 400
    assert 'id="title-error"' in refused.text and "at most 200 characters" in refused.text
    assert f'value="{title}"' in refused.text
    assert session.scalars(select(PracticeScenario)).all() == []


def test_a_scenario_message_or_model_answer_over_the_limit_is_refused_beside_its_field(
    client: TestClient, session: Session
) -> None:
    """A pasted log file as the customer's message was stored whole, and every agent opening
    the scenario (and every reply's feedback) read it again."""
    csrf = sign_in(client, make_user(session, role="lead"))
    huge = "word " * 2000
    data = {"title": "Long one", "customer_text": huge, "csrf_token": csrf}
    refused = client.post("/training/practice/scenarios", data=data)
    assert refused.status_code == 400
    assert 'id="customer_text-error"' in refused.text and "under 8000 characters" in refused.text
    assert 'value="Long one"' in refused.text
    data = {"title": "Long answer", "customer_text": "Where is it?", "model_answer": huge}
    refused = client.post("/training/practice/scenarios", data={**data, "csrf_token": csrf})
    assert refused.status_code == 400
    assert 'id="model_answer-error"' in refused.text and "under 4000 characters" in refused.text
    assert session.scalars(select(PracticeScenario)).all() == []


def test_scenarios_with_the_same_title_show_how_each_message_opens(
    client: TestClient, session: Session
) -> None:
    """Drawn from the archive, three scenarios were all "Stop the notifications", and the
    list gave no way to tell them apart before opening each."""
    csrf = sign_in(client, make_user(session, role="lead"))
    for text in ("Twenty pings last night, stop it.", "Why do I get alerts for other homes?"):
        data = {"title": "Stop the notifications", "customer_text": text, "csrf_token": csrf}
        client.post("/training/practice/scenarios", data=data, follow_redirects=False)
    page = client.get("/training/practice").text
    assert "Twenty pings last night" in page and "alerts for other homes" in page


def test_the_scenarios_are_paginated(client: TestClient, session: Session) -> None:
    csrf = sign_in(client, make_user(session, role="lead"))
    for n in range(21):
        data = {"title": f"Scenario {n:02d}", "customer_text": "Still broken!", "csrf_token": csrf}
        client.post("/training/practice/scenarios", data=data, follow_redirects=False)
    first = client.get("/training/practice").text
    assert "Scenario 20" in first and "Scenario 00" not in first
    assert "page 1 of 2" in first and 'href="?replies=1&amp;page=2"' in first
    second = client.get("/training/practice?page=2").text
    assert "Scenario 00" in second and "Scenario 20" not in second
    assert "No scenarios on this page" in client.get("/training/practice?page=9").text


def test_an_agents_own_replies_are_paged_apart_from_the_scenarios(
    client: TestClient, session: Session
) -> None:
    """The reply history pages on its own (``replies``), keeps the scenarios' page in its
    links, and lists only the reader's replies; the chart reads the latest ones."""
    csrf = sign_in(client, make_user(session, role="lead"))
    made = client.post(
        "/training/practice/scenarios",
        data={"title": "Late refund", "customer_text": "Where is my refund?", "csrf_token": csrf},
        follow_redirects=False,
    )
    scenario_id = int(made.headers["location"].rsplit("/", 1)[1])
    for person, replies in (("mate", 1), ("agent", 21)):
        client.cookies.clear()
        csrf = sign_in(client, make_user(session, name=f"The {person}"))
        for n in range(replies):
            text = f"{GOOD_REPLY} (reply {n:02d} by {person})"
            client.post(
                f"/training/practice/{scenario_id}", data={"reply": text, "csrf_token": csrf}
            )
    replies = session.scalars(select(PracticeAttempt).order_by(PracticeAttempt.id)).all()
    mine = [a.id for a in replies][1:]  # the agent's 21, oldest first
    first = client.get("/training/practice").text
    second = client.get("/training/practice?replies=2").text
    assert "21 replies · page 1 of 2" in first
    assert 'href="?page=1&amp;replies=2"' in first
    assert f'/training/practice/replies/{mine[-1]}"' in first
    assert f'/training/practice/replies/{mine[0]}"' not in first
    assert f'/training/practice/replies/{mine[0]}"' in second
    assert f'/training/practice/replies/{replies[0].id}"' not in first + second  # the mate's
    assert "No replies on this page" in client.get("/training/practice?replies=9").text


def test_the_progress_chart_says_how_many_of_the_readers_replies_it_draws(
    client: TestClient, session: Session
) -> None:
    """The caption read "one of your N latest replies" whatever N: "latest" for every reply
    the agent ever sent, and "1 latest replies" for one. It says "latest" only when the
    chart leaves older replies out (it draws the latest ``TREND_REPLIES``)."""
    lead = make_user(session, role="lead")
    scenario = actions.create_scenario(
        session, actor=lead, title="Late refund", customer_text="Where is my refund?"
    )
    agent = make_user(session)
    sign_in(client, agent)
    first = actions.practise(session, actor=agent, scenario_id=scenario.id, reply=GOOD_REPLY)

    earlier = count(1)

    def send(replies: int) -> str:
        """The page after ``replies`` more, older ones (labelled as the first)."""
        for n in islice(earlier, replies):
            reply = f"{GOOD_REPLY} ({n})"
            when = first.created_at - timedelta(minutes=n)
            attempt = PracticeAttempt(user_id=agent.id, scenario_id=scenario.id, reply=reply)
            attempt.feedback, attempt.created_at = first.feedback, when
            session.add(attempt)
        session.commit()
        return client.get("/training/practice").text

    one = client.get("/training/practice").text
    assert "latest replies" not in one and "1 replies" not in one  # one dot draws no line
    assert "Each dot is one of your 2 replies, oldest first" in send(1)
    assert "Each dot is one of your 60 replies, oldest first" in send(TREND_REPLIES - 2)
    assert f"Each dot is one of your {TREND_REPLIES} latest replies, oldest first" in send(1)


def test_a_scenario_sent_twice_at_once_is_added_once(client: TestClient, session: Session) -> None:
    """Save clicked twice added the scenario twice; the repeat now opens the one added.
    Another message, or the same later, are new scenarios."""
    csrf = sign_in(client, make_user(session, role="lead"))
    data = {"title": "Late refund", "customer_text": ANGRY, "csrf_token": csrf}
    sent = [
        client.post("/training/practice/scenarios", data=data, follow_redirects=False)
        for _ in range(2)
    ]
    assert [r.status_code for r in sent] == [303, 303]
    assert sent[0].headers["location"] == sent[1].headers["location"]
    assert "Scenario added." in client.get(sent[1].headers["location"]).text
    assert len(session.scalars(select(PracticeScenario)).all()) == 1
    other = {**data, "customer_text": "Where is my refund?"}
    client.post("/training/practice/scenarios", data=other, follow_redirects=False)
    scenario = session.scalars(select(PracticeScenario)).first()
    assert scenario is not None
    scenario.created_at = utcnow() - timedelta(minutes=3)
    session.commit()
    client.post("/training/practice/scenarios", data=data, follow_redirects=False)
    assert len(session.scalars(select(PracticeScenario)).all()) == 3


def test_a_reply_sent_twice_at_once_is_kept_once(client: TestClient, session: Session) -> None:
    """Clicking "Get feedback" twice kept the reply twice: two rows in the agent's history and
    two dots on their progress for one reply. The repeat now opens the reply kept; another
    reply, another agent, or the same words later are new replies."""
    csrf = sign_in(client, make_user(session, role="lead"))
    data = {"title": "Late refund", "customer_text": ANGRY, "csrf_token": csrf}
    made = client.post("/training/practice/scenarios", data=data, follow_redirects=False)
    scenario = made.headers["location"]
    client.cookies.clear()
    csrf = sign_in(client, make_user(session))
    reply = {"reply": GOOD_REPLY, "csrf_token": csrf}
    sent = [client.post(scenario, data=reply, follow_redirects=False) for _ in range(2)]
    assert [r.status_code for r in sent] == [303, 303]
    assert sent[0].headers["location"] == sent[1].headers["location"]
    assert client.get("/training/practice").text.count('href="/training/practice/replies/') == 1
    client.post(scenario, data={**reply, "reply": BAD_REPLY}, follow_redirects=False)
    for attempt in session.scalars(select(PracticeAttempt)):
        attempt.created_at = utcnow() - timedelta(minutes=3)
    session.commit()
    client.post(scenario, data=reply, follow_redirects=False)
    client.cookies.clear()
    csrf = sign_in(client, make_user(session))
    client.post(scenario, data={**reply, "csrf_token": csrf}, follow_redirects=False)
    assert len(session.scalars(select(PracticeAttempt)).all()) == 4


def test_a_scenario_with_several_problems_says_each_beside_its_field_at_once(
    client: TestClient, session: Session
) -> None:
    """A too-long title was said alone; the lead shortened it, saved, and only then heard
    that the customer's message was missing and the model answer too long."""
    csrf = sign_in(client, make_user(session, role="lead"))
    data = {"title": "t" * 201, "customer_text": " ", "model_answer": "word " * 2000}
    refused = client.post("/training/practice/scenarios", data={**data, "csrf_token": csrf})
    assert refused.status_code == 400
    said = {
        field: refused.text.split(f'id="{field}-error">')[1].split("<")[0]
        for field in ("title", "customer_text", "model_answer")
    }
    assert "at most 200 characters" in said["title"]
    assert "needs a title and the customer&#39;s message" in said["customer_text"]
    assert "under 4000 characters" in said["model_answer"]
    assert f'value="{"t" * 201}"' in refused.text, "what was typed is kept"
    assert session.scalars(select(PracticeScenario)).all() == []
