"""The names of the helpdesks Poise connects to, without their clients.

``poise connect --help`` names them; importing :data:`poise.connectors.vendors.VENDORS` for
that loaded the HTTP client and the database, so help waited for both (a test holds the two
alike).
"""

from __future__ import annotations

HELPDESKS = ("zendesk", "freshdesk", "helpscout", "intercom")
