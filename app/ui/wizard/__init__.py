"""First start on a new computer: a wizard that sets up the store, then the till opens on it."""

from app.ui.wizard.creation import (
    DEMO,
    RestoreFrom,
    StorePlan,
    create_store,
    discard_staging,
)
from app.ui.wizard.wizard import FirstRunWizard

__all__ = [
    "DEMO",
    "FirstRunWizard",
    "RestoreFrom",
    "StorePlan",
    "create_store",
    "discard_staging",
]
