"""``poise connect zendesk|freshdesk|helpscout|intercom``."""

from __future__ import annotations

from typing import Annotated

import typer

from poise.cli.context import console, fail, load_settings, open_session
from poise.connectors import actions
from poise.connectors.client import ConnectorError, Seam
from poise.connectors.vendors import VENDORS


def connect_command(
    vendor: Annotated[str, typer.Argument(help=f"The helpdesk: {', '.join(VENDORS)}.")],
    credential: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="A credential NAME=VALUE (subdomain=acme); default: POISE_<VENDOR>_<NAME>.",
        ),
    ] = None,
    webhook_secret: Annotated[
        str | None, typer.Option(help="The secret the helpdesk signs its webhooks with.")
    ] = None,
    sync: Annotated[bool, typer.Option(help="Run the first sync (the backfill) now.")] = True,
) -> None:
    """Connect a helpdesk: store its credentials (from --set or settings) and sync it.

    Zendesk needs subdomain, email, api_token; Freshdesk domain, api_key; Help Scout app_id,
    app_secret; Intercom access_token. Run again to change them or to sync by hand.
    """
    if vendor not in VENDORS:
        fail(f"no helpdesk called {vendor!r}: use one of {', '.join(VENDORS)}")
    settings = load_settings()
    given = actions.credentials_from_settings(VENDORS[vendor], settings)
    for item in credential or []:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"--set takes NAME=VALUE, not {item!r}")
        given[name.strip()] = value
    if webhook_secret:
        given[actions.WEBHOOK_SECRET] = webhook_secret
    with open_session(settings) as session:
        actions.save_connector(session, actor=None, vendor_name=vendor, given=given)
        console.print(f"Saved the {VENDORS[vendor].title} connector.")
        if not sync:
            return
        work = actions.sync_work(vendor, seam=Seam(), settings=settings)
        try:
            summary = work(session, lambda done, total: None)  # scores the new turns too
        except ConnectorError as exc:
            fail(f"the sync failed: {exc}")
    console.print(f"Synced: {summary}.")
