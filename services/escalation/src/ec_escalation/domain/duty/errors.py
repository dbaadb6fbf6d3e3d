"""What can go wrong with a rota: a small hierarchy, mapped to answers by whoever calls."""

from __future__ import annotations

from datetime import datetime


class RotaError(ValueError):
    """A rota, or a question asked of one, that cannot be answered."""


class InvalidRota(RotaError):
    """A rota, layer or override whose definition contradicts itself."""


class NaiveMoment(RotaError):
    """A moment without a time zone: which instant it names is anybody's guess."""


def require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveMoment(f"{what} needs a time zone: {moment.isoformat()}")
