"""Imports every area's tables so ``Base.metadata`` is complete (for Alembic and tests)."""

from poise import jobs
from poise.auth import models as auth_models
from poise.connectors import models as connector_models
from poise.connectors.alerts import models as alert_models
from poise.conversations import models as conversation_models
from poise.db import meta
from poise.db.base import Base
from poise.insights import models as insight_models
from poise.knowledge import models as knowledge_models
from poise.morale import models as morale_models
from poise.training import models as training_models

__all__ = [
    "Base",
    "alert_models",
    "auth_models",
    "connector_models",
    "conversation_models",
    "insight_models",
    "jobs",
    "knowledge_models",
    "meta",
    "morale_models",
    "training_models",
]
