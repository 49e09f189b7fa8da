"""The file formats ``poise import`` and the import page read, by name.

Apart from their parsers: ``poise import --help`` names them, and importing the parsers for
that loaded the database, so help waited for it.
"""

from __future__ import annotations

FORMATS = ("csv", "jsonl", "twcs", "zendesk")
