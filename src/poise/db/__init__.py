"""Database: engine, declarative base, column types and migrations."""

from poise.db.base import Base, UTCDateTime, utcnow
from poise.db.engine import make_engine, make_sessionmaker

__all__ = ["Base", "UTCDateTime", "make_engine", "make_sessionmaker", "utcnow"]
