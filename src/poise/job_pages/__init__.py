"""The admin Jobs page: every background job (imports' scoring, the sweep, rescoring, mining,
connector syncs…) with its progress, its chunks and its detail, and a way to cancel it.

A job names what it works for (an import, conversations, a helpdesk), so the page composes
areas (``jobs`` and ``conversations``) and lives above them, wired in by the face (DESIGN.md).
"""
