"""The wall as an Atom 1.0 feed (RFC 4287), built with the standard library's ElementTree.

Only the redacted text of published hugs goes in: the feed is as public as the wall.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote
from xml.etree import ElementTree as ET

from poise.db.base import utcnow
from poise.morale.models import Hug

ATOM = "http://www.w3.org/2005/Atom"
TITLE_CHARS = 70


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


def atom_feed(hugs: Sequence[Hug], *, base_url: str, tag: str | None = None) -> bytes:
    """The feed document: newest hugs first, each with id, updated, link and categories."""
    ET.register_namespace("", ATOM)
    base = base_url.rstrip("/")
    query = f"?tag={quote(tag)}" if tag else ""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "title", f"Poise wall: #{tag}" if tag else "Poise wall of positive feedback")
    _sub(feed, "subtitle", "Kind words customers wrote to our support team, shared with consent.")
    _sub(feed, "id", f"{base}/wall{query}")
    _sub(feed, "link", rel="self", href=f"{base}/wall/feed.atom{query}")
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/wall{query}")
    newest = max((h.published_at for h in hugs if h.published_at), default=None)
    _sub(feed, "updated", _stamp(newest or utcnow()))
    author = _sub(feed, "author")
    _sub(author, "name", "Poise")
    for hug in hugs:
        _entry(feed, hug, base)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _entry(feed: ET.Element, hug: Hug, base: str) -> None:
    entry = _sub(feed, "entry")
    published = _stamp(hug.published_at or hug.created_at)
    _sub(entry, "title", _title(hug.redacted_text))
    _sub(entry, "id", f"{base}/wall/{hug.id}")
    _sub(entry, "link", rel="alternate", type="text/html", href=f"{base}/wall/{hug.id}")
    _sub(entry, "published", published)
    _sub(entry, "updated", published)
    _sub(entry, "content", hug.redacted_text, type="text")
    for tag in hug.tag_names:
        _sub(entry, "category", term=tag, label=f"#{tag}")
