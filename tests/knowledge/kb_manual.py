"""A tiny fixture manual (four issues, a few phrasings each) for the manual's product tests."""

from __future__ import annotations

from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.knowledge import actions
from poise.knowledge.models import Article

MANUAL: list[dict[str, object]] = [
    {
        "title": "Refund not received",
        "issue": "I still haven't received my refund",
        "phrasings": ["Where is my refund?", "My money back is late, it's been two weeks"],
        "resolution": "1. Look up the refund in **Billing → Refunds**.\n"
        "2. If it is older than 5 days, re-issue it.\n"
        "<script>alert('x')</script>",
        "product": "Poise Mobile",
        "feature": "billing",
    },
    {
        "title": "Password reset email missing",
        "issue": "The password reset email never arrives",
        "phrasings": ["I'm locked out of my account", "Forgot my password and can't log in"],
        "resolution": "1. Check the spam folder.\n2. Send the reset link again from the admin.",
        "product": "Poise Web",
        "feature": "login",
    },
    {
        "title": "Card declined at checkout",
        "issue": "My card was declined when I tried to pay",
        "phrasings": ["Payment keeps failing", "The checkout rejects my credit card"],
        "resolution": "Ask the customer to retry with 3-D Secure enabled.",
        "product": "Poise Web",
        "feature": "checkout",
    },
    {
        "title": "Cancel a subscription",
        "issue": "How do I cancel my subscription?",
        "phrasings": ["Stop charging me every month", "I want to end my plan"],
        "resolution": "Settings → Plan → Cancel. The plan runs to the end of the period.",
        "product": "Poise Mobile",
        "feature": "billing",
    },
]


def fields(entry: dict[str, object]) -> actions.ArticleFields:
    return actions.ArticleFields(
        title=str(entry["title"]),
        issue=str(entry["issue"]),
        resolution=str(entry["resolution"]),
        product=str(entry["product"]),
        feature=str(entry["feature"]),
        phrasings=list(entry["phrasings"]),  # type: ignore[call-overload]
    )


def publish_manual(session: Session, lead: User) -> dict[str, Article]:
    """The fixture manual, published by ``lead``; keyed by title."""
    published = {}
    for entry in MANUAL:
        article = actions.create_article(session, actor=lead, fields=fields(entry))
        published[article.title] = actions.change_status(
            session, actor=lead, article_id=article.id, status="published"
        )
    return published
