"""Customers, conversations, messages, ratings; importers; webhook intake."""
