"""A rota's shifts as an iCalendar text, read back with a standard calendar library."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest

from ec_escalation.domain.duty import (
    DAILY,
    Layer,
    NaiveMoment,
    Override,
    Rota,
    Shift,
    calendar_text,
    shifts,
)

STAMP = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)
WEEK_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def person() -> str:
    return f"person-{uuid.uuid4().hex[:8]}"


def rota(*people: str, name: str = "EU directors", overrides: tuple[Override, ...] = ()) -> Rota:
    daily = Layer(
        name="primary",
        people=people,
        rotation=DAILY,
        hand_off=time(9),
        zone="Europe/Berlin",
        start=date(2026, 1, 5),
    )
    return Rota(name=name, role="director", layers=(daily,), overrides=overrides)


def week_of(given: Rota) -> list[Shift]:
    return shifts(given, WEEK_START, WEEK_START + timedelta(days=7))


def events(text: str) -> list[icalendar.Component]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def test_a_calendar_library_reads_one_event_per_shift_at_its_times_in_utc() -> None:
    ann, bob = person(), person()
    given = rota(ann, bob)
    week = week_of(given)

    text = calendar_text(given, week, stamp=STAMP)

    parsed = icalendar.Calendar.from_ical(text)
    assert str(parsed["VERSION"]) == "2.0"
    assert "Escalation Center" in str(parsed["PRODID"])
    read = events(text)
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in read] == [
        (s.start, s.end) for s in week
    ]
    assert [str(e["SUMMARY"]).split(" ")[0] for e in read] == [s.person for s in week]
    assert {e.decoded("DTSTAMP") for e in read} == {STAMP}
    assert "DTSTART:20260105T080000Z\r\n" in text


def test_every_line_ends_in_crlf_and_none_is_longer_than_75_octets() -> None:
    long_name = "Dringende Eskalationen für Zahlungsverkehr Europa ☎ Bereitschaft " * 4
    given = rota(person(), name=long_name)

    text = calendar_text(given, week_of(given), stamp=STAMP)

    assert text.endswith("\r\n")
    lines = text.encode("utf-8").split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in b"".join(lines)
    assert any(line.startswith(b" ") for line in lines)
    assert str(icalendar.Calendar.from_ical(text)["X-WR-CALNAME"]) == long_name


def test_folding_never_cuts_a_character_in_two() -> None:
    given = rota(person(), name="☎" * 100)

    text = calendar_text(given, week_of(given), stamp=STAMP)

    for line in text.encode("utf-8").split(b"\r\n"):
        line.decode("utf-8")  # each folded line is whole characters on its own


def test_names_from_outside_are_escaped_and_read_back_as_given() -> None:
    awkward = "Ops; payments, cards \\ EU\nsecond line"
    (cover,) = given_people = (person(),)
    stand_in = Override(cover, WEEK_START, WEEK_START + timedelta(hours=2), reason=awkward)
    given = rota(*given_people, name=awkward, overrides=(stand_in,))

    text = calendar_text(given, week_of(given), stamp=STAMP)

    assert "Ops\\; payments\\, cards \\\\ EU\\nsecond line" in text
    covering = events(text)[0]
    assert str(covering["SUMMARY"]) == f"{cover} on duty as director ({awkward})"
    assert str(covering["DESCRIPTION"]) == f"Override: {awkward}"


def test_a_person_id_cannot_smuggle_in_lines_or_events_of_its_own() -> None:
    smuggler = "mallory\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:fake\x00\x1b"
    given = rota(smuggler)
    week = week_of(given)

    text = calendar_text(given, week, stamp=STAMP)

    assert len(events(text)) == len(week)
    assert "\x00" not in text
    assert "\x1b" not in text
    assert "\r\nSUMMARY:fake" not in text


def test_the_same_shift_keeps_its_uid_in_calendars_made_at_different_times() -> None:
    given = rota(person(), person(), person())
    this_week = week_of(given)
    from_wednesday = shifts(given, WEEK_START + timedelta(days=2), WEEK_START + timedelta(days=9))

    first = events(calendar_text(given, this_week, stamp=STAMP))
    later = events(calendar_text(given, from_wednesday, stamp=STAMP + timedelta(days=2)))

    uids_first = {e.decoded("DTSTART"): str(e["UID"]) for e in first}
    uids_later = {e.decoded("DTSTART"): str(e["UID"]) for e in later}
    shared = uids_first.keys() & uids_later.keys()
    assert len(shared) == 5
    assert all(uids_first[start] == uids_later[start] for start in shared)
    assert len(set(uids_first.values())) == len(first)


def test_a_calendar_without_a_time_zone_on_its_stamp_is_refused() -> None:
    given = rota(person())

    with pytest.raises(NaiveMoment):
        calendar_text(given, week_of(given), stamp=datetime(2026, 1, 1, 6))
