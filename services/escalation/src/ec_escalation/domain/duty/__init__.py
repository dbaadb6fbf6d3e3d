"""Duty rotas: who is on duty as escalation manager or director, now and in a window.

Pure: the standard library only, frozen values and functions. Times come back in UTC;
hand-offs and restrictions are read on the wall clock of each layer's own time zone.
"""

from ec_escalation.domain.duty.calendar import calendar_text
from ec_escalation.domain.duty.errors import InvalidRota, NaiveMoment, RotaError
from ec_escalation.domain.duty.restrictions import (
    EVERY_DAY,
    WEEKDAYS,
    DailyWindow,
    Restrictions,
    Weekday,
)
from ec_escalation.domain.duty.rotas import (
    DAILY,
    WEEKLY,
    Layer,
    Override,
    Role,
    Rota,
    Rotation,
    Scope,
    Shift,
    Turn,
)
from ec_escalation.domain.duty.shifts import on_duty, shifts, upcoming

__all__ = [
    "DAILY",
    "EVERY_DAY",
    "WEEKDAYS",
    "WEEKLY",
    "DailyWindow",
    "InvalidRota",
    "Layer",
    "NaiveMoment",
    "Override",
    "Restrictions",
    "Role",
    "Rota",
    "RotaError",
    "Rotation",
    "Scope",
    "Shift",
    "Turn",
    "Weekday",
    "calendar_text",
    "on_duty",
    "shifts",
    "upcoming",
]
