"""Connectors: helpdesk pull and push, and outgoing alerts."""
