"""``poise connect zendesk|freshdesk|helpscout|intercom``.

The face builds the command (:func:`make_connect_command`) with the hooks that a sync's live
conversations get in a process where no server runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from poise.cli.context import console, fail, load_settings, open_session, progress_bar
from poise.connectors.helpdesks import HELPDESKS

if TYPE_CHECKING:  # the command imports the clients and the database: its help is instant
    from rich.progress import Progress
    from sqlalchemy.orm import Session

    from poise.connectors.pull import Vendor
    from poise.hooks import Hooks
    from poise.jobs import JobWork
    from poise.settings import Settings

VendorArgument = Annotated[str, typer.Argument(help=f"The helpdesk: {', '.join(HELPDESKS)}.")]
CredentialOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="A credential NAME=VALUE (subdomain=acme); default: POISE_<VENDOR>_<NAME>.",
    ),
]
SecretOption = Annotated[
    str | None, typer.Option(help="The secret the helpdesk signs its webhooks with.")
]
SyncOption = Annotated[bool, typer.Option(help="Run the first sync (the backfill) now.")]


def make_connect_command(hooks_for: Callable[[Settings], Hooks]) -> Callable[..., None]:
    """``poise connect``, whose syncs tell ``hooks_for(settings)`` of live conversations."""

    def connect_command(
        vendor: VendorArgument,
        credential: CredentialOption = None,
        webhook_secret: SecretOption = None,
        sync: SyncOption = True,
    ) -> None:
        """Connect a helpdesk: store its credentials (from --set or settings) and sync it.

        Zendesk needs subdomain, email, api_token; Freshdesk domain, api_key; Help Scout
        app_id, app_secret; Intercom access_token. Run again to change them or to sync by hand
        (once the backfill is done, a sync's early warnings raise alerts; a running server
        sends them).
        """
        from poise.connectors import actions
        from poise.connectors.client import ConnectorError, Seam
        from poise.connectors.vendors import VENDORS

        if vendor not in VENDORS:
            fail(f"no helpdesk called {vendor!r}: use one of {', '.join(VENDORS)}")
        settings = load_settings()
        given = _credentials(VENDORS[vendor], settings, credential, webhook_secret)
        with open_session(settings) as session:
            actions.save_connector(session, actor=None, vendor_name=vendor, given=given)
            console.print(f"Saved the {VENDORS[vendor].title} connector.")
            if not sync:
                return
            hooks = hooks_for(settings)
            work = actions.sync_work(vendor, seam=Seam(), settings=settings, hooks=hooks)
            try:  # scores the new turns too
                summary = with_a_bar(work, session, f"Syncing {VENDORS[vendor].title}")
            except ConnectorError as exc:
                fail(f"the sync failed: {exc}")
        console.print(f"Synced: {summary}.")

    return connect_command


def with_a_bar(work: JobWork, session: Session, title: str, bar: Progress | None = None) -> str:
    """Run a sync with the pages fetched so far on a bar: a first sync backfills up to a year
    of tickets, and the command said nothing until it ended."""
    with bar or progress_bar() as bar:
        task = bar.add_task(f"{title}: pages", total=None)

        def fetched(done: int, total: int, step: str = "") -> None:
            bar.update(task, completed=done, total=total or None)

        return work(session, fetched)


def _credentials(
    vendor: Vendor, settings: Settings, credential: list[str] | None, webhook_secret: str | None
) -> dict[str, str]:
    """The credentials from settings, overridden by each ``--set NAME=VALUE``."""
    from poise.connectors import actions

    given = actions.credentials_from_settings(vendor, settings)
    for item in credential or []:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"--set takes NAME=VALUE, not {item!r}")
        known = [field.name for field in vendor.fields] + [actions.WEBHOOK_SECRET]
        if name.strip() not in known:  # it was dropped, and the missing one named instead
            fail(f"{vendor.title} has no credential {name.strip()!r}: use {', '.join(known)}")
        given[name.strip()] = value
    if webhook_secret:
        given[actions.WEBHOOK_SECRET] = webhook_secret
    return given
