"""The in-product help: one index and one page per area, each a template under ``help/``.

The help belongs to no single area, so it lives in the shell beside the layout. Its pages are
plain text written for support leads and agents; the list here is the one place that names
them, so the routes, the index and the tests cannot disagree about which pages exist.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HelpPage:
    """One help page: its stable slug (``/help/<slug>``), its title and a line for the index."""

    slug: str
    title: str
    summary: str

    @property
    def href(self) -> str:
        return f"/help/{self.slug}"

    @property
    def template(self) -> str:
        return f"help/{self.slug}.html"


HELP_PAGES: tuple[HelpPage, ...] = (
    HelpPage(
        "conversations",
        "Conversations",
        "The list and a thread, who sees which conversation, importing files, API tokens "
        "and webhooks.",
    ),
    HelpPage(
        "signals",
        "Signals",
        "How a customer feels, early warning, escalation risk, purpose and drift, the assist "
        "panel, abuse and threats to leave.",
    ),
    HelpPage(
        "manual",
        "The manual",
        "Articles and phrasings, search, gaps, mined proposals and first contact resolution.",
    ),
    HelpPage(
        "training",
        "Training",
        "Today, lessons on a spaced schedule, practice feedback, rude-question drills, "
        "reflections and AutoQA.",
    ),
    HelpPage(
        "morale",
        "Morale",
        "The Happy File, peer reviews, kudos rounds, the public wall and your balance.",
    ),
    HelpPage(
        "insights",
        "Insights",
        "The dashboard and how fresh its figures are, hotspots, exposure and the weekly digest.",
    ),
    HelpPage(
        "alerts",
        "Alerts",
        "Alert rules, where alerts go, quiet hours and the hourly limit.",
    ),
    HelpPage(
        "admin",
        "Admin",
        "Users and roles, teams and their early-warning level, integrations and connectors.",
    ),
)
