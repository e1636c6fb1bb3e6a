"""Use cases of the terminal: each one is one transaction that commits or changes nothing."""

from app.core.services.loyalty import (
    CustomerInfo,
    EnrollResult,
    LoyaltyService,
    RefundResult,
    SaleRequest,
    SaleResult,
    VerifyReport,
)

__all__ = [
    "CustomerInfo",
    "EnrollResult",
    "LoyaltyService",
    "RefundResult",
    "SaleRequest",
    "SaleResult",
    "VerifyReport",
]
