"""The helpdesks Poise connects to, by name."""

from __future__ import annotations

from poise.connectors.pull import Vendor
from poise.connectors.vendors.freshdesk import Freshdesk
from poise.connectors.vendors.helpscout import HelpScout
from poise.connectors.vendors.intercom import Intercom
from poise.connectors.vendors.zendesk import Zendesk

VENDORS: dict[str, Vendor] = {v.name: v for v in (Zendesk(), Freshdesk(), HelpScout(), Intercom())}
