"""First start on a new computer: a wizard that sets up the store, then the till opens on it."""

from app.ui.wizard.creation import (
    DEMO,
    RestoreFrom,
    StorePlan,
    create_store,
    discard_staging,
    save_store_details,
    store_details,
)
from app.ui.wizard.wizard import FirstRunWizard

__all__ = [
    "DEMO",
    "FirstRunWizard",
    "RestoreFrom",
    "StorePlan",
    "create_store",
    "discard_staging",
    "save_store_details",
    "store_details",
]
