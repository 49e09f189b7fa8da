"""Outgoing alerts: a team's rules post early warnings, escalations, hotspots and digests to chat,
a signed webhook or e-mail, outside quiet hours and within a rate limit."""
