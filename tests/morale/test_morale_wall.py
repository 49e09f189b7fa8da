"""The public wall: leads publish redacted, consented hugs; nothing identifying goes public."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import feedparser
from fastapi.testclient import TestClient
from morale_builders import api_headers, post_form
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.morale import actions
from poise.morale.models import Hug, HugTag

COMMENT = (
    "Maya was wonderful! She found order #48213 and rang me on +44 7700 900123. "
    "Thanks again, Priya Sharma (priya.sharma@example.com)"
)
SECRETS = ("48213", "7700 900123", "Priya", "Sharma", "priya.sharma@example.com")


def _publish(
    client: TestClient, session: Session, text: str = COMMENT, tags: list[str] | None = None
) -> dict[str, object]:
    make_user(session, name="Maya Lopez")
    headers = api_headers(session, make_user(session, role="lead"))
    draft = client.post(
        "/api/v1/wall",
        json={"text": text, "tags": tags or ["hugs", "Patience"], "consent": True},
        headers=headers,
    )
    assert draft.status_code == 201, draft.text
    published = client.post(f"/api/v1/wall/{draft.json()['id']}/publish", headers=headers)
    assert published.status_code == 200
    return dict(draft.json())


def test_a_lead_drafts_a_redacted_hug_and_publishes_it(
    client: TestClient, session: Session
) -> None:
    draft = _publish(client, session)
    assert draft["original_text"] == COMMENT  # the lead reviews what was removed
    redacted = str(draft["redacted_text"])
    assert redacted.startswith("Maya was wonderful!")  # the agent's first name stays
    assert not any(secret in redacted for secret in SECRETS)
    assert draft["tags"] == ["hugs", "patience"]
    hug = session.scalars(select(Hug)).one()
    assert hug.status == "published" and hug.original_text == ""  # erased on publishing


def test_the_wall_and_its_feed_never_show_the_original(
    client: TestClient, session: Session
) -> None:
    _publish(client, session)
    wall = client.get("/wall")
    assert wall.status_code == 200 and "Maya was wonderful" in wall.text
    feed = client.get("/wall/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    for body in (wall.text, feed.text, client.get("/wall?tag=hugs").text):
        assert not any(secret in body for secret in SECRETS)


def test_tags_in_any_language_reach_the_wall_whole(client: TestClient, session: Session) -> None:
    """Only ASCII letters stayed in a tag: "#Café" was published as "#caf" and "#ありがとう"
    was dropped."""
    decomposed = "cafe\u0301"  # "café" typed with a combining accent: the same tag
    draft = _publish(client, session, tags=["#Café", "ありがとう", decomposed, "Geduld!"])
    assert draft["tags"] == ["café", "ありがとう", "geduld"]
    wall = client.get("/wall", params={"tag": "café"}).text
    assert "Maya was wonderful" in wall and "#café" in wall and "#caf<" not in wall
    assert "#ありがとう" in client.get("/wall/tags").text


def test_the_feed_is_valid_atom_and_filters_by_tag(client: TestClient, session: Session) -> None:
    _publish(client, session)
    make_user(session, name="Sam Okoro")  # an agent: their first name stays
    _publish(client, session, text="Sam fixed my router in minutes, legend!", tags=["speed"])
    parsed = feedparser.parse(client.get("/wall/feed.atom").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title and parsed.feed.id and parsed.feed.updated
    assert len(parsed.entries) == 2
    for entry in parsed.entries:
        assert entry.id and entry.updated and entry.link and entry.title
    tagged = feedparser.parse(client.get("/wall/feed.atom?tag=speed").content)
    assert not tagged.bozo
    assert [e.title for e in tagged.entries] == ["Sam fixed my router in minutes, legend!"]
    assert [t.term for t in tagged.entries[0].tags] == ["speed"]


def test_agents_cannot_publish_and_consent_is_required(
    client: TestClient, session: Session
) -> None:
    agent = api_headers(session, make_user(session))
    refused = client.post(
        "/api/v1/wall", json={"text": "Great!", "tags": [], "consent": True}, headers=agent
    )
    assert refused.status_code == 403
    lead = api_headers(session, make_user(session, role="lead"))
    draft = client.post(
        "/api/v1/wall", json={"text": "Great help!", "tags": [], "consent": False}, headers=lead
    ).json()
    assert client.post(f"/api/v1/wall/{draft['id']}/publish", headers=agent).status_code == 403
    no_consent = client.post(f"/api/v1/wall/{draft['id']}/publish", headers=lead)
    assert no_consent.status_code == 400 and "consent" in no_consent.json()["detail"]
    assert client.get(f"/wall/{draft['id']}").status_code == 404  # drafts are not public
    assert "Great help" not in client.get("/wall").text


def test_the_lead_reviews_redaction_on_the_web_then_publishes(
    client: TestClient, session: Session
) -> None:
    make_user(session, name="Maya Lopez")
    csrf = sign_in(client, make_user(session, role="lead"))
    created = post_form(
        client, "/morale/wall", csrf, {"text": COMMENT, "tags": "#hugs", "consent": "true"}
    )
    review_url = created.headers["location"]
    review = client.get(review_url).text
    assert '<mark class="redacted" title="email">' in review and "[email]" in review
    edited = post_form(
        client,
        review_url,
        csrf,
        {
            "text": "Maya was wonderful, call me on 0161 496 0000!",
            "tags": "hugs",
            "consent": "true",
        },
    )
    assert edited.status_code == 303
    assert post_form(client, f"{review_url}/publish", csrf).status_code == 303
    wall = client.get("/wall").text
    assert "Maya was wonderful, call me on" in wall and "0161" not in wall
    assert (
        '<span class="hidden-detail" title="removed to protect the customer">phone</span>' in wall
    )


def test_a_refused_hug_shows_the_error_beside_the_form_and_keeps_the_input(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, make_user(session, role="lead"))
    empty = post_form(
        client, "/morale/wall", csrf, {"text": "  ", "tags": "#patience", "consent": "true"}
    )
    assert empty.status_code == 400
    assert 'class="field-error"' in empty.text and "the comment cannot be empty" in empty.text
    assert 'value="#patience"' in empty.text and "checked" in empty.text
    box = empty.text.split('<textarea name="text"')[1].split(">")[0]
    assert 'aria-invalid="true" aria-describedby="text-error" autofocus' in box
    assert session.scalars(select(Hug)).first() is None  # nothing drafted
    review_url = post_form(client, "/morale/wall", csrf, {"text": COMMENT}).headers["location"]
    typed = "x" * (actions.MAX_TEXT + 1)
    too_long = post_form(client, review_url, csrf, {"text": typed, "tags": "kept-tag"})
    assert too_long.status_code == 400 and 'class="field-error"' in too_long.text
    assert typed in too_long.text and 'value="kept-tag"' in too_long.text
    session.expire_all()
    assert session.scalars(select(Hug)).one().redacted_text.startswith("[name] was wonderful")


def test_a_tag_that_names_a_customer_or_a_number_is_refused_beside_its_field(
    client: TestClient, session: Session
) -> None:
    """Tags go public unredacted: "#12345678" stood beside the comment it was redacted from."""
    make_user(session, name="Sam Agent")
    csrf = sign_in(client, make_user(session, role="lead"))
    typed = {"text": "Sam fixed order 12345678, thanks!", "tags": "#speed 12345678, Peter"}
    refused = post_form(client, "/morale/wall", csrf, {**typed, "consent": "true"})
    assert refused.status_code == 400
    error = refused.text.split('id="tags-error">', 1)[1].split("</span>", 1)[0]
    assert "#12345678" in error and "#peter" in error and "#speed" not in error
    assert 'value="#speed 12345678, Peter"' in refused.text
    assert session.scalars(select(Hug)).first() is None
    review_url = post_form(client, "/morale/wall", csrf, {**typed, "tags": "speed sam"}).headers[
        "location"
    ]  # an agent's first name is theirs to keep, in a tag as in the text
    revised = post_form(client, review_url, csrf, {"text": "Sam was great", "tags": "john"})
    assert revised.status_code == 400 and 'id="tags-error"' in revised.text
    session.expire_all()
    assert session.scalars(select(Hug)).one().tag_names == ["sam", "speed"]


def test_a_tag_too_long_or_too_many_tags_are_refused_not_cut(
    client: TestClient, session: Session
) -> None:
    """A 5,000-character tag went public cut to its first 40 letters, and a hundred tags
    went on one card: both are refused beside the Tags field, the typing kept."""
    csrf = sign_in(client, make_user(session, role="lead"))
    typed = {"text": "Lovely help, thanks!", "consent": "true"}
    long_tag = "patience" * 6
    refused = post_form(client, "/morale/wall", csrf, {**typed, "tags": f"#kind #{long_tag}"})
    assert refused.status_code == 400 and f'value="#kind #{long_tag}"' in refused.text
    error = refused.text.split('id="tags-error">', 1)[1].split("</span>", 1)[0]
    assert error == "a tag is at most 40 characters: #patiencepatien… has 48"
    many = " ".join(f"#t{i}" for i in range(11))
    crowded = post_form(client, "/morale/wall", csrf, {**typed, "tags": many})
    assert crowded.status_code == 400
    error = crowded.text.split('id="tags-error">', 1)[1].split("</span>", 1)[0]
    assert error == "a hug takes at most 10 tags (these are 11)"
    assert session.scalars(select(Hug)).first() is None
    fits = " ".join(f"#t{i}" for i in range(10)) + " #" + "p" * 40
    assert post_form(client, "/morale/wall", csrf, {**typed, "tags": fits}).status_code == 400
    ten = " ".join(f"#t{i}" for i in range(9)) + " #" + "p" * 40
    assert post_form(client, "/morale/wall", csrf, {**typed, "tags": ten}).status_code == 303


def test_the_wall_is_public_paginated_and_kind_when_empty(
    client: TestClient, session: Session
) -> None:
    empty = client.get("/wall").text
    assert "The wall is empty for now" in empty and "0 in all" not in empty
    untagged = client.get("/wall?tag=nope").text
    assert "Nothing tagged #nope" in untagged and "0 in all" not in untagged
    lead = make_user(session, role="lead")
    for n in range(21):
        hug = actions.draft_hug(
            session, actor=lead, text=f"Thank you for hug number {n}", tags=["hugs"], consent=True
        )
        actions.publish_hug(session, actor=lead, hug_id=hug.id)
    first = client.get("/wall").text
    assert "page 1 of 2" in first and "hug number 20" in first
    assert "hug number 0" in client.get("/wall?page=2").text
    beyond = client.get("/wall?page=9").text  # an old link: the list says where it ends
    assert "the list ends at page 2" in beyond and "21 in all" in beyond
    assert "page 9 of 2" not in beyond
    sign_in(client, make_user(session))
    assert client.get("/morale/wall").status_code == 403


def test_wall_drafts_page_past_the_newest_page(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    for n in range(21):  # one more than the test app's page size (20)
        text = f"Thanks for draft {n:02d}"
        actions.draft_hug(session, actor=lead, text=text, tags=["hugs"], consent=True)
    sign_in(client, lead)
    first = client.get("/morale/wall").text
    assert "draft 20" in first and "draft 00" not in first
    assert "21 in all · page 1 of 2" in first and 'href="?page=2"' in first
    assert "draft 00" in client.get("/morale/wall?page=2").text
    past = client.get("/morale/wall?page=5").text
    assert "Nothing on page 5: the list ends at page 2." in past


def test_the_wall_says_it_shows_the_most_used_tags_and_lists_them_all(
    client: TestClient, session: Session
) -> None:
    """Past 30 tags the header says so and leads to every tag, a page at a time."""
    names = [f"theme{n:02}" for n in range(35)]
    for tags in (names, names[:1]):  # theme00 carried twice: the most used
        hug = Hug(redacted_text="Thank you!", consent=True, status="published")
        hug.published_at = hug.created_at = datetime.now(UTC)
        hug.tags = [HugTag(tag=name) for name in tags]
        session.add(hug)
    session.commit()
    wall = client.get("/wall").text
    assert "The 30 most used of 35 tags" in wall and 'href="/wall/tags"' in wall
    assert "#theme00 <small>2</small>" in wall and "#theme34 <small>" not in wall
    first = client.get("/wall/tags").text
    assert "35 tags in all · page 1 of 2" in first and "#theme00 <small>2</small>" in first
    assert "#theme34 <small>1</small>" in client.get("/wall/tags?page=2").text


def test_tags_holding_personal_data_are_refused_beside_the_tags_field(
    client: TestClient, session: Session
) -> None:
    """Tags go public as typed: an e-mail or phone number there reached the wall and its feed
    as "#priyasharmaexamplecom" and "#44-7700-900123"."""
    csrf = sign_in(client, make_user(session, role="lead"))
    typed = "hugs priya.sharma@example.com +44-7700-900123"
    refused = post_form(
        client, "/morale/wall", csrf, {"text": "Great help!", "tags": typed, "consent": "true"}
    )
    assert refused.status_code == 400
    assert 'class="field-error"' in refused.text
    assert "take out the email and phone" in refused.text
    assert f'value="{typed}"' in refused.text, "what the lead typed is kept to fix"
    assert session.scalars(select(Hug)).first() is None
    review_url = post_form(client, "/morale/wall", csrf, {"text": "Great help!"}).headers[
        "location"
    ]
    revised = post_form(client, review_url, csrf, {"text": "Great help!", "tags": "#48213"})
    assert revised.status_code == 400 and "take out the number" in revised.text
    lead = api_headers(session, make_user(session, role="lead"))
    api = client.post(
        "/api/v1/wall",
        json={"text": "Great help!", "tags": ["hugs", "@priya"], "consent": True},
        headers=lead,
    )
    assert api.status_code == 400 and "handle" in api.json()["detail"]
    session.expire_all()
    assert [t.tag for t in session.scalars(select(HugTag))] == []


def test_a_draft_sent_twice_at_once_is_one_draft(client: TestClient, session: Session) -> None:
    """ "Draft" clicked twice made two drafts of one comment; the repeat now opens the first,
    while the same comment with other tags is a draft of its own."""
    csrf = sign_in(client, make_user(session, role="lead"))
    typed = {"text": COMMENT, "tags": "#hugs #patience", "consent": "true"}
    first = post_form(client, "/morale/wall", csrf, typed).headers["location"]
    assert post_form(client, "/morale/wall", csrf, typed).headers["location"] == first
    assert len(session.scalars(select(Hug)).all()) == 1
    retagged = post_form(client, "/morale/wall", csrf, {**typed, "tags": "#speed"})
    assert retagged.headers["location"] != first


def test_a_single_card_page_has_a_heading(client: TestClient, session: Session) -> None:
    """A card's own page (the feed links each entry there) had no heading at all: a screen
    reader's list of headings was empty and nothing named the page."""
    draft = _publish(client, session)
    client.cookies.clear()  # the wall is public
    page = client.get(f"/wall/{draft['id']}")
    assert page.status_code == 200
    assert re.search(r"<h1[^>]*>Kind words for our support team</h1>", page.text)


def test_the_feed_links_to_the_configured_address_whatever_host_a_visitor_names(
    client: TestClient, session: Session
) -> None:
    """The feed's links came from the request's Host header: anyone could fetch it naming
    ``Host: evil.example`` and a cache in front of Poise kept a feed whose every entry led
    readers to that site. They start with POISE_BASE_URL, as e-mails' and alerts' links do."""
    _publish(client, session)
    base = client.app.state.settings.base_url.rstrip("/")  # type: ignore[attr-defined]
    forged = client.get("/wall/feed.atom", headers={"Host": "evil.example"})
    assert forged.status_code == 200
    assert "evil.example" not in forged.text
    parsed = feedparser.parse(forged.content)
    links = [parsed.feed.id, *(link.href for link in parsed.feed.links)]
    links += [entry.link for entry in parsed.entries] + [entry.id for entry in parsed.entries]
    assert links and all(link.startswith(f"{base}/wall") for link in links), links


def test_hidden_or_full_width_characters_do_not_smuggle_a_customer_past_the_redaction(
    client: TestClient, session: Session
) -> None:
    """An e-mail written with a full-width ＠, an order number or a phone split by an
    invisible zero-width space, a name with a soft hyphen inside: each read as the plain one
    on the public wall, yet none was redacted. Each is found as if written plainly; the
    rest of the comment, an emoji joined by ZWJ included, is kept as written."""
    text = (
        "Maya was wonderful 👩\u200d💻! Write to priya.sharma＠example.com, order "
        "4821\u200b3, or ring +44 7700\u200b 900123. Thanks again, Pri\u00adya Sharma"
    )
    draft = _publish(client, session, text=text)
    redacted = str(draft["redacted_text"])
    assert redacted.startswith("Maya was wonderful 👩\u200d💻!"), redacted
    for body in (redacted, client.get("/wall").text, client.get("/wall/feed.atom").text):
        plain = unicodedata.normalize(
            "NFKC", "".join(c for c in body if unicodedata.category(c) != "Cf")
        )
        assert not [s for s in SECRETS if s in plain], plain


def test_a_draft_stays_inside_its_drafters_team_on_the_pages_and_the_api(
    client: TestClient, session: Session
) -> None:
    """Every lead saw and could publish every draft, with its customer's unredacted words,
    whichever team drafted it; leads of another team now get a 404 and no link to it."""
    drafter = make_user(session, role="lead", team="Billing")
    teammate = make_user(session, role="lead", team="Billing")
    stranger = make_user(session, role="lead", team="Returns")
    admin = make_user(session, role="admin")
    hug = actions.draft_hug(session, actor=drafter, text=COMMENT, tags=["hugs"], consent=True)
    review_url = f"/morale/wall/{hug.id}"

    csrf = sign_in(client, stranger)
    assert f'href="{review_url}"' not in client.get("/morale/wall").text
    assert client.get(review_url).status_code == 404
    data = {"text": "Hijacked", "tags": "", "consent": "true"}
    assert post_form(client, review_url, csrf, data).status_code == 404
    assert post_form(client, f"{review_url}/publish", csrf).status_code == 404
    api = client.post(f"/api/v1/wall/{hug.id}/publish", headers=api_headers(session, stranger))
    assert api.status_code == 404 and "Sharma" not in api.text
    session.refresh(hug)
    assert hug.status == "draft" and hug.original_text == COMMENT

    for reader in (teammate, admin):
        sign_in(client, reader)
        assert f'href="{review_url}"' in client.get("/morale/wall").text
        assert "Sharma" in client.get(review_url).text  # they review what was removed
    published = client.post(
        f"/api/v1/wall/{hug.id}/publish", headers=api_headers(session, teammate)
    )
    assert published.status_code == 200 and published.json()["status"] == "published"
    sign_in(client, stranger)  # on the public wall now, for everyone; its review stays Billing's
    assert client.get(f"/wall/{hug.id}").status_code == 200
    assert client.get(review_url).status_code == 404


def test_a_draft_whose_drafter_was_deleted_is_for_admins_only(
    client: TestClient, session: Session
) -> None:
    drafter = make_user(session, role="lead", team="Billing")
    teammate = make_user(session, role="lead", team="Billing")
    hug = actions.draft_hug(session, actor=drafter, text=COMMENT, tags=[], consent=True)
    hug.created_by_id = None  # what deleting the drafter leaves (ON DELETE SET NULL)
    session.commit()
    sign_in(client, teammate)
    assert f'href="/morale/wall/{hug.id}"' not in client.get("/morale/wall").text
    assert client.get(f"/morale/wall/{hug.id}").status_code == 404
    sign_in(client, make_user(session, role="admin"))
    assert f'href="/morale/wall/{hug.id}"' in client.get("/morale/wall").text
    assert client.get(f"/morale/wall/{hug.id}").status_code == 200
