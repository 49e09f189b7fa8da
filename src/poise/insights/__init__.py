"""Insights: CSAT, FCR, feeling trends, hotspots (pervasive or specific), exposure, digest."""
