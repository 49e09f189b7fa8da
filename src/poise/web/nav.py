"""The navigation: every product area, built or coming, so the layout reads like the product."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    role: str = "agent"  # the least role that sees it
    coming: bool = False


NAV: tuple[NavItem, ...] = (
    NavItem("Conversations", "/conversations"),
    NavItem("Signals", "/signals"),
    NavItem("Manual", "/manual"),
    NavItem("Training", "/training"),
    NavItem("Morale", "/morale"),
    NavItem("Insights", "/insights"),
    NavItem("Import", "/import", role="lead"),
    NavItem("Alerts", "/alerts", role="lead"),
    NavItem("Admin", "/admin/users", role="admin"),
)

ROLE_RANK = {"agent": 0, "lead": 1, "admin": 2}

COMING: dict[str, str] = {}


def visible_nav(role: str | None) -> list[NavItem]:
    """The items a user of ``role`` sees (none when signed out)."""
    if role is None:
        return []
    rank = ROLE_RANK.get(role, 0)
    return [item for item in NAV if ROLE_RANK[item.role] <= rank]
