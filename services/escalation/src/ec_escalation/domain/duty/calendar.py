"""A rota's shifts as an iCalendar text (RFC 5545), for calendar applications to subscribe to.

Only the escaped TEXT values carry anything from outside (rota names, person ids, reasons);
every other value is built here from instants and hex digits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from ec_escalation.domain.duty.errors import require_aware
from ec_escalation.domain.duty.rotas import Rota, Shift, Turn

PRODUCT = "-//Escalation Center//Duty rotas//EN"
_LINE_OCTETS = 75
# Control characters other than tab and line breaks are not allowed in TEXT at all.
_FORBIDDEN_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def calendar_text(rota: Rota, shifts: Sequence[Shift], *, stamp: datetime) -> str:
    """One VEVENT per shift in a VCALENDAR, CRLF line ends, lines folded at 75 octets.

    `stamp` (when the text was made) goes into every DTSTAMP; a shift keeps its UID for
    as long as it keeps its person, extent and turn or override.
    """
    require_aware(stamp, "the calendar's stamp")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(rota.name)}",
    ]
    for shift in shifts:
        lines += _event(rota, shift, stamp)
    lines.append("END:VCALENDAR")
    return "".join(f"{folded}\r\n" for folded in _folded_all(lines))


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, any line break as \\n."""
    value = _FORBIDDEN_CONTROLS.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> list[str]:
    """`line` cut into lines of at most 75 octets, each after the first opening with a space.

    Cuts fall between characters, never inside one character's UTF-8 octets.
    """
    pieces: list[str] = []
    current, octets = "", 0
    for character in line:
        size = len(character.encode("utf-8"))
        if octets + size > _LINE_OCTETS:
            pieces.append(current)
            current, octets = " ", 1
        current += character
        octets += size
    pieces.append(current)
    return pieces


def shift_uid(rota: Rota, shift: Shift) -> str:
    """The same for the same shift of the same rota, whenever the calendar is made."""
    identity = "\n".join(
        (rota.name, shift.person, _moment(shift.start), _moment(shift.end), _why(shift))
    )
    return f"{hashlib.sha256(identity.encode('utf-8')).hexdigest()[:32]}@duty.escalation-center"


def _event(rota: Rota, shift: Shift, stamp: datetime) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{shift_uid(rota, shift)}",
        f"DTSTAMP:{_moment(stamp)}",
        f"DTSTART:{_moment(shift.start)}",
        f"DTEND:{_moment(shift.end)}",
        f"SUMMARY:{escape_text(f'{shift.person} on duty as {rota.role} ({rota.name})')}",
        f"DESCRIPTION:{escape_text(_description(shift))}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def _description(shift: Shift) -> str:
    if isinstance(shift.source, Turn):
        return f"Turn {shift.source.number + 1} of layer {shift.source.layer}"
    reason = shift.source.reason
    return f"Override: {reason}" if reason else "Override"


def _why(shift: Shift) -> str:
    if isinstance(shift.source, Turn):
        return f"turn {shift.source.number} of {shift.source.layer}"
    return f"override {_moment(shift.source.start)} {_moment(shift.source.end)}"


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _folded_all(lines: Iterable[str]) -> Iterable[str]:
    for line in lines:
        yield from fold(line)
