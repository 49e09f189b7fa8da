"""Poise: helps customer-support teams deal with negativity."""

__version__ = "0.1.0"
