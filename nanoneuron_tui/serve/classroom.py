"""The sessions a server runs, and its limits: how many in all, how many per user.

A user at their limit who connects again takes over their oldest session: it
is hung up (the app saves) and only then does the new one start, so it
resumes exactly where the old one stopped. A dropped Wi-Fi reconnects at
once, without waiting for the keep-alives to notice the old connection died.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable
from typing import Protocol

from nanoneuron_tui.serve.identity import User


class Seat(Protocol):
    """What the classroom needs of a session."""

    user: User
    address: str

    def end(self, reason: str) -> Awaitable[None]:
        """Hang the app up (it saves), tell the client why, and return once the app has exited."""


class Classroom:
    def __init__(self, max_sessions: int, max_per_user: int) -> None:
        self.max_sessions = max_sessions
        self.max_per_user = max_per_user
        self._seats: dict[User, list[Seat]] = defaultdict(list)
        self._locks: dict[User, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.closing = False

    @property
    def count(self) -> int:
        return sum(len(seats) for seats in self._seats.values())

    def seats(self) -> list[Seat]:
        return [seat for seats in self._seats.values() for seat in seats]

    async def admit(self, seat: Seat) -> str | None:
        """Take ``seat`` in, or say why not (one line for the client)."""
        async with self._locks[seat.user]:
            if self.closing:
                return "The server is shutting down."
            mine = self._seats[seat.user]
            overflow = len(mine) + 1 - self.max_per_user
            if overflow <= 0 and self.count >= self.max_sessions:
                return f"The class is full: {self.max_sessions} sessions are running. Try again in a minute."
            replaced = mine[: max(overflow, 0)]
            await asyncio.gather(
                *(old.end(f"This session continues in a new connection from {seat.address}.") for old in replaced)
            )
            for old in replaced:
                self.leave(old)
            if self.closing:
                return "The server is shutting down."
            self._seats[seat.user].append(seat)
            return None

    def leave(self, seat: Seat) -> None:
        mine = self._seats.get(seat.user)
        if mine and seat in mine:
            mine.remove(seat)
            if not mine:
                del self._seats[seat.user]

    async def close(self, reason: str) -> None:
        """End every session (each saves); return when all their apps have exited."""
        self.closing = True
        await asyncio.gather(*(seat.end(reason) for seat in self.seats()))
