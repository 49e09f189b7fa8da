"""A seeded, reproducible support organisation for demos, screenshots and tests.

``generate_demo(seed, now=...)`` returns plain records (teams, staff, conversations with
messages and ratings) and touches no database, so the same data can feed ``poise demo``, a
benchmark or a test. Same seed and same ``now`` give identical output.
"""

from poise.demo.generator import DemoOrg, default_now, generate_demo
from poise.demo.people import ADMIN_EMAIL, DemoUser

__all__ = ["ADMIN_EMAIL", "DemoOrg", "DemoUser", "default_now", "generate_demo"]
