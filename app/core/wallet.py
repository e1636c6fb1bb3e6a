"""Points lots, activation, expiry and debt (loyalty-rules.md §4) as pure state transitions.

A `Wallet` is one customer's lots and debt. Every change returns the journal moves that
explain it, so storage can append them and `verify` can rebuild the wallet from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.errors import LoyaltyError

NEVER = 1 << 62  # sorts never-expiring lots after every real instant


@dataclass
class Lot:
    """One grant of points; `remaining` falls as points are spent, taken back or expire."""

    uid: str
    points: int
    remaining: int
    available_at: int
    expires_at: int | None
    source: str
    txn_uid: str
    expiry_posted: bool = False

    def state(self, at: int) -> str:
        """'pending' before available_at, 'expired' from expires_at, else 'available'."""
        if self.expires_at is not None and at >= self.expires_at:
            return "expired"
        if at < self.available_at:
            return "pending"
        return "available"


@dataclass(frozen=True)
class Move:
    """One journal row: points in (+) or out (-) of a lot, or of the debt account (lot None)."""

    kind: str  # grant | spend | overdraft | take_back | expire | settle | sync
    lot_uid: str | None
    points: int
    at: int


@dataclass(frozen=True)
class Balances:
    """What a customer holds at an instant."""

    available: int
    pending: int
    expired: int
    debt: int
    next_expiry_points: int
    next_expiry_at: int | None


@dataclass
class Wallet:
    """One customer's lots (in creation order) and debt."""

    lots: list[Lot] = field(default_factory=list)
    debt: int = 0
    expired_posted: int = 0

    def _spend_order(self, at: int) -> list[Lot]:
        usable = [lot for lot in self.lots if lot.remaining > 0 and lot.state(at) == "available"]
        # sorted() is stable, so creation order breaks ties between equal expiries.
        return sorted(usable, key=lambda lot: NEVER if lot.expires_at is None else lot.expires_at)

    def balances(self, at: int) -> Balances:
        """Available (minus debt), pending, expired (posted and due) and the next expiry."""
        available = pending = due = 0
        next_at: int | None = None
        next_points = 0
        for lot in self.lots:
            if lot.remaining <= 0:
                continue
            state = lot.state(at)
            if state == "available":
                available += lot.remaining
                if lot.expires_at is not None:
                    if next_at is None or lot.expires_at < next_at:
                        next_at, next_points = lot.expires_at, lot.remaining
                    elif lot.expires_at == next_at:
                        next_points += lot.remaining
            elif state == "pending":
                pending += lot.remaining
            else:
                due += lot.remaining
        return Balances(available - self.debt, pending, self.expired_posted + due, self.debt, next_points, next_at)

    def available(self, at: int) -> int:
        """Available balance at an instant: usable lots minus debt (may be negative)."""
        return self.balances(at).available

    def post_expiry(self, at: int) -> list[Move]:
        """Write off what is left of every lot whose expiry instant has come."""
        moves = []
        for lot in self.lots:
            if lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= at:
                moves.append(Move("expire", lot.uid, -lot.remaining, lot.expires_at))
                self.expired_posted += lot.remaining
                lot.remaining = 0
                lot.expiry_posted = True
        return moves

    def grant(self, lot: Lot, at: int) -> list[Move]:
        """Add a lot; it pays any debt first."""
        if lot.points < 0:
            raise ValueError("a lot cannot hold negative points")
        lot.remaining = lot.points
        self.lots.append(lot)
        moves = [Move("grant", lot.uid, lot.points, at)]
        settled = min(self.debt, lot.remaining)
        if settled:
            lot.remaining -= settled
            self.debt -= settled
            moves += [Move("settle", lot.uid, -settled, at), Move("settle", None, settled, at)]
        return moves

    def spend(self, points: int, at: int, kind: str = "spend") -> list[Move]:
        """Take points from available lots, soonest expiry first; refuses to overdraw."""
        if points < 0:
            raise ValueError("cannot spend negative points")
        if points > self.available(at):
            raise LoyaltyError("not_enough_points", have=self.available(at), need=points)
        moves = []
        left = points
        for lot in self._spend_order(at):
            if not left:
                break
            take = min(lot.remaining, left)
            lot.remaining -= take
            left -= take
            moves.append(Move(kind, lot.uid, -take, at))
        return moves

    def overdraw(self, points: int, at: int) -> list[Move]:
        """Spend what available lots hold and book the shortfall as debt (an offline double-spend).

        The receipt is a fact (sync.md): the server books exactly what the terminal paid out,
        and the next earnings pay the shortfall back.
        """
        if points < 0:
            raise ValueError("cannot spend negative points")
        held = sum(lot.remaining for lot in self._spend_order(at))  # debt > 0 implies held == 0
        moves = self.spend(min(points, held), at) if held and not self.debt else []
        short = points - sum(-m.points for m in moves)
        if short:
            self.debt += short
            moves.append(Move("overdraft", None, -short, at))
        return moves

    def settle_debt(self, at: int) -> list[Move]:
        """Pay debt from lots that hold points (after a merge brought both together)."""
        moves: list[Move] = []
        for lot in [*self._spend_order(at), *(x for x in self.lots if x.remaining > 0 and x.state(at) == "pending")]:
            if not self.debt:
                break
            take = min(lot.remaining, self.debt)
            if take:
                lot.remaining -= take
                self.debt -= take
                moves += [Move("settle", lot.uid, -take, at), Move("settle", None, take, at)]
        return moves

    def take_back(self, points: int, at: int, sale_lot_uid: str | None, expired: int = 0) -> list[Move]:
        """Refund take-back: the sale's own lot, then available lots, then pending ones, then debt.

        The own lot counts even once expired (loyalty-rules.md §5): what it still holds is taken, and
        `expired` (its points already written off by expiry, not yet counted by an earlier refund of
        the sale) is counted as taken back without a move, never recovered again from other lots."""
        if points < 0 or expired < 0:
            raise ValueError("cannot take back negative points")
        moves = []
        left = points
        own = [lot for lot in self.lots if lot.uid == sale_lot_uid]
        for lot in own:
            take = min(lot.remaining, left)
            if take:
                lot.remaining -= take
                left -= take
                moves.append(Move("take_back", lot.uid, -take, at))
        left -= min(left, expired)
        pending = sorted(
            (lot for lot in self.lots if lot.remaining > 0 and lot.state(at) == "pending"),
            key=lambda lot: lot.available_at,
        )
        for lot in self._spend_order(at) + pending:
            if not left:
                break
            take = min(lot.remaining, left)
            if take:
                lot.remaining -= take
                left -= take
                moves.append(Move("take_back", lot.uid, -take, at))
        if left:
            self.debt += left
            moves.append(Move("take_back", None, -left, at))
        return moves
