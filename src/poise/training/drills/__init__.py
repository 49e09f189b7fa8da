"""Rude-question drills: before a launch the team imagines every rude question, votes, writes
model answers, and the lead turns the endorsed pairs into scenarios, a lesson and drafts of the
manual in one step."""
