"""The kinds of background job that more than one place names, each named once.

A job's kind is stored with it (``JobRun.kind``) and read back by whoever resumes it after a
restart, by the workers that run its chunks and by ``poise jobs``. Spelled out as bare strings
in each of those places, a renamed kind would leave its stored jobs unresumable without a
word; the scheduler's periodic entries name their own jobs (``scheduler.PERIODIC``).
"""

from __future__ import annotations

SCORE = "score"  # scoring what an import, webhook or sync stored (split into chunks)
RESCORE = "rescore"  # scoring again what an older model version scored (split into chunks)
KB_MINE = "kb-mine"  # grouping past conversations into proposals for the manual
KB_REEMBED = "kb-reembed"  # embedding the manual again with the current encoder
CONNECTOR_SYNC = "connector-sync"  # pulling a helpdesk's new and changed conversations

SUBMITTED = (SCORE, RESCORE, KB_MINE, KB_REEMBED, CONNECTOR_SYNC)
"""Every kind submitted outside the scheduler's periodic entries."""
