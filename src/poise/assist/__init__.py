"""The assist panel: a conversation's signals plus the manual's suggestions, while it happens.

It composes areas (``conversations`` and ``signals`` with ``knowledge``), so it lives above
them, wired in by the face (DESIGN.md); no area imports it.
"""
