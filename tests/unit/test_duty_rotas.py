"""Duty rotas: who is on duty as escalation manager or director, at a moment and over a window.

Rotations, restrictions, layers covering layers, overrides, gaps, and the daylight-saving
changes of Europe/Berlin and America/New_York (which fall on different dates), with a
follow-the-sun rota through Asia/Tokyo, which has none.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import given as for_all
from hypothesis import strategies as st

from ec_escalation.domain.duty import (
    DAILY,
    WEEKDAYS,
    WEEKLY,
    DailyWindow,
    InvalidRota,
    Layer,
    NaiveMoment,
    Override,
    Restrictions,
    Rota,
    Rotation,
    Shift,
    Turn,
    Weekday,
    on_duty,
    shifts,
    upcoming,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
TOKYO = "Asia/Tokyo"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OFFICE_HOURS = DailyWindow(start=time(9), end=time(17))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A time on the wall clocks of `zone` (the first, when the autumn change repeats it)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def people(count: int) -> tuple[str, ...]:
    """Fresh person ids, so no test leans on another's names."""
    return tuple(f"person-{uuid.uuid4().hex[:8]}" for _ in range(count))


def layer(
    people_in_order: tuple[str, ...],
    *,
    name: str = "primary",
    rotation: Rotation = DAILY,
    hand_off: time = time(9),
    zone: str = BERLIN,
    start: date = date(2026, 1, 5),
    restrictions: Restrictions | None = None,
) -> Layer:
    return Layer(
        name=name,
        people=people_in_order,
        rotation=rotation,
        hand_off=hand_off,
        zone=zone,
        start=start,
        restrictions=restrictions or Restrictions(),
    )


def rota(*layers: Layer, overrides: tuple[Override, ...] = ()) -> Rota:
    return Rota(
        name="EU escalation managers", role="escalation manager", layers=layers, overrides=overrides
    )


def who(found: Shift | None) -> str | None:
    return found.person if found else None


# --- rotations ----------------------------------------------------------------------------


def test_a_daily_rotation_hands_off_at_the_hand_off_time_to_the_next_person_in_order() -> None:
    ann, bob, cy = people(3)
    given = rota(layer((ann, bob, cy), start=date(2026, 1, 5)))

    timeline = shifts(given, wall(BERLIN, 2026, 1, 5, 9), wall(BERLIN, 2026, 1, 9, 9))

    assert [s.person for s in timeline] == [ann, bob, cy, ann]
    assert [s.start for s in timeline] == [wall(BERLIN, 2026, 1, day, 9) for day in (5, 6, 7, 8)]
    assert all(s.end - s.start == DAY for s in timeline)


def test_a_weekly_rotation_hands_off_every_seven_days_on_the_starting_weekday() -> None:
    ann, bob = people(2)
    given = rota(layer((ann, bob), rotation=WEEKLY, start=date(2026, 1, 5)))

    timeline = shifts(given, wall(BERLIN, 2026, 1, 5, 9), wall(BERLIN, 2026, 1, 26, 9))

    assert [s.person for s in timeline] == [ann, bob, ann]
    assert [s.start.astimezone(ZoneInfo(BERLIN)).weekday() for s in timeline] == [0, 0, 0]
    assert all(s.end - s.start == 7 * DAY for s in timeline)


def test_a_rotation_of_three_days_gives_each_person_three_days_in_turn() -> None:
    ann, bob = people(2)
    given = rota(layer((ann, bob), rotation=Rotation(days=3), start=date(2026, 1, 5)))

    assert who(on_duty(given, wall(BERLIN, 2026, 1, 8, 8, 59))) == ann
    assert who(on_duty(given, wall(BERLIN, 2026, 1, 8, 9))) == bob
    assert who(on_duty(given, wall(BERLIN, 2026, 1, 11, 9))) == ann


def test_on_duty_says_who_from_when_to_when_and_through_which_turn_in_utc() -> None:
    ann, bob = people(2)
    given = rota(layer((ann, bob), start=date(2026, 1, 5)))

    found = on_duty(given, wall(BERLIN, 2026, 1, 6, 15))

    assert found == Shift(bob, utc(2026, 1, 6, 8), utc(2026, 1, 7, 8), Turn("primary", 1))
    assert found.start.tzinfo is UTC
    assert found.layer == "primary"


def test_nobody_is_on_duty_before_the_first_hand_off() -> None:
    given = rota(layer(people(2), start=date(2026, 1, 5)))

    assert on_duty(given, wall(BERLIN, 2026, 1, 5, 8, 59)) is None
    assert on_duty(given, wall(BERLIN, 2026, 1, 5, 9)) is not None


def test_a_single_person_layer_still_hands_off_each_day_so_each_turn_is_its_own_shift() -> None:
    (ann,) = people(1)
    given = rota(layer((ann,), start=date(2026, 1, 5)))

    timeline = shifts(given, wall(BERLIN, 2026, 1, 5, 9), wall(BERLIN, 2026, 1, 8, 9))

    assert [(s.person, s.source) for s in timeline] == [(ann, Turn("primary", n)) for n in range(3)]


# --- restrictions -------------------------------------------------------------------------


def test_a_weekdays_only_layer_has_nobody_on_duty_at_the_weekend() -> None:
    ann, bob = people(2)
    given = rota(layer((ann, bob), restrictions=Restrictions(days=WEEKDAYS)))

    assert on_duty(given, wall(BERLIN, 2026, 1, 10, 12)) is None  # a Saturday
    assert on_duty(given, wall(BERLIN, 2026, 1, 12, 0, 30)) is not None  # Monday, past midnight


def test_an_office_hours_layer_is_on_duty_from_nine_to_five_on_its_own_wall_clock() -> None:
    (ann,) = people(1)
    given = rota(
        layer((ann,), zone=NEW_YORK, restrictions=Restrictions(days=WEEKDAYS, window=OFFICE_HOURS))
    )

    timeline = shifts(given, wall(NEW_YORK, 2026, 1, 9, 0), wall(NEW_YORK, 2026, 1, 13, 0))

    assert [(s.start, s.end) for s in timeline] == [
        (wall(NEW_YORK, 2026, 1, 9, 9), wall(NEW_YORK, 2026, 1, 9, 17)),
        (wall(NEW_YORK, 2026, 1, 12, 9), wall(NEW_YORK, 2026, 1, 12, 17)),
    ]


def test_a_night_window_belongs_to_the_day_it_starts_and_reaches_past_midnight() -> None:
    (ann,) = people(1)
    nights = Restrictions(days=frozenset(WEEKDAYS), window=DailyWindow(time(22), time(6)))
    given = rota(layer((ann,), restrictions=nights))

    friday_night = on_duty(given, wall(BERLIN, 2026, 1, 10, 3))  # Saturday 03:00

    assert friday_night is not None
    assert friday_night.end == wall(BERLIN, 2026, 1, 10, 6)
    assert on_duty(given, wall(BERLIN, 2026, 1, 11, 3)) is None  # no Saturday night


def test_a_hand_off_inside_the_window_passes_the_rest_of_it_to_the_next_person() -> None:
    ann, bob = people(2)
    office = Restrictions(window=OFFICE_HOURS)
    given = rota(layer((ann, bob), hand_off=time(12), start=date(2026, 1, 5), restrictions=office))

    day = shifts(given, wall(BERLIN, 2026, 1, 6, 0), wall(BERLIN, 2026, 1, 6, 23))

    assert [(s.person, s.start, s.end) for s in day] == [
        (ann, wall(BERLIN, 2026, 1, 6, 9), wall(BERLIN, 2026, 1, 6, 12)),
        (bob, wall(BERLIN, 2026, 1, 6, 12), wall(BERLIN, 2026, 1, 6, 17)),
    ]


# --- layers and overrides -----------------------------------------------------------------


def test_a_higher_layer_covers_a_lower_one_where_it_has_someone_on_duty() -> None:
    ann, bob = people(2)
    given = rota(
        layer((ann,), name="round the clock"),
        layer((bob,), name="office", restrictions=Restrictions(days=WEEKDAYS, window=OFFICE_HOURS)),
    )

    assert who(on_duty(given, wall(BERLIN, 2026, 1, 7, 10))) == bob
    assert who(on_duty(given, wall(BERLIN, 2026, 1, 7, 18))) == ann
    assert who(on_duty(given, wall(BERLIN, 2026, 1, 10, 10))) == ann  # Saturday


def test_a_shift_ends_where_a_higher_layer_takes_over_not_at_its_own_hand_off() -> None:
    ann, bob = people(2)
    given = rota(
        layer((ann,), name="round the clock", hand_off=time(0)),
        layer((bob,), name="office", restrictions=Restrictions(window=OFFICE_HOURS)),
    )

    evening = on_duty(given, wall(BERLIN, 2026, 1, 7, 18))

    assert evening is not None
    assert (evening.start, evening.end) == (wall(BERLIN, 2026, 1, 7, 17), wall(BERLIN, 2026, 1, 8))


def test_a_lower_layers_hand_off_underneath_does_not_cut_the_shift_above() -> None:
    ann, bob, cy = people(3)
    given = rota(
        layer((ann, bob), name="round the clock", hand_off=time(12)),
        layer((cy,), name="office", restrictions=Restrictions(window=OFFICE_HOURS)),
    )

    office = on_duty(given, wall(BERLIN, 2026, 1, 7, 12, 30))

    assert office is not None
    assert (office.start, office.end) == (wall(BERLIN, 2026, 1, 7, 9), wall(BERLIN, 2026, 1, 7, 17))


def test_an_override_beats_every_layer_and_the_turn_resumes_after_it() -> None:
    ann, bob, holiday_cover = people(3)
    cover = Override(
        holiday_cover, wall(BERLIN, 2026, 1, 7, 12), wall(BERLIN, 2026, 1, 7, 14), "dentist"
    )
    given = rota(
        layer((ann,), name="round the clock"),
        layer((bob,), name="office", restrictions=Restrictions(window=OFFICE_HOURS)),
        overrides=(cover,),
    )

    timeline = shifts(given, wall(BERLIN, 2026, 1, 7, 10), wall(BERLIN, 2026, 1, 7, 16))

    assert [(s.person, s.start.astimezone(ZoneInfo(BERLIN)).hour) for s in timeline] == [
        (bob, 9),
        (holiday_cover, 12),
        (bob, 14),
    ]
    assert timeline[1].source == cover
    assert timeline[1].layer is None


def test_of_two_overlapping_overrides_the_one_listed_last_wins() -> None:
    first, second = people(2)
    earlier = Override(first, utc(2026, 1, 7, 10), utc(2026, 1, 7, 14))
    later = Override(second, utc(2026, 1, 7, 12), utc(2026, 1, 7, 13))
    given = rota(layer(people(1)), overrides=(earlier, later))

    assert who(on_duty(given, utc(2026, 1, 7, 12, 30))) == second
    assert who(on_duty(given, utc(2026, 1, 7, 13, 30))) == first


def test_an_override_covers_even_where_no_layer_has_anyone() -> None:
    (stand_in,) = people(1)
    given = rota(
        layer(people(1), restrictions=Restrictions(days=WEEKDAYS)),
        overrides=(
            Override(stand_in, wall(BERLIN, 2026, 1, 10, 8), wall(BERLIN, 2026, 1, 10, 20)),
        ),
    )

    assert who(on_duty(given, wall(BERLIN, 2026, 1, 10, 12))) == stand_in


# --- gaps, windows, upcoming --------------------------------------------------------------


def test_a_window_where_nobody_is_on_duty_shows_the_gap_between_shifts() -> None:
    (ann,) = people(1)
    given = rota(layer((ann,), restrictions=Restrictions(window=OFFICE_HOURS)))

    timeline = shifts(given, wall(BERLIN, 2026, 1, 7, 0), wall(BERLIN, 2026, 1, 9, 0))

    assert len(timeline) == 2
    assert timeline[1].start - timeline[0].end == 16 * HOUR
    assert on_duty(given, wall(BERLIN, 2026, 1, 7, 20)) is None


def test_a_window_shows_its_first_and_last_shifts_whole() -> None:
    ann, bob = people(2)
    given = rota(layer((ann, bob)))

    timeline = shifts(given, wall(BERLIN, 2026, 1, 7, 12), wall(BERLIN, 2026, 1, 7, 13))

    assert timeline == [on_duty(given, wall(BERLIN, 2026, 1, 7, 12))]
    assert timeline[0].start == wall(BERLIN, 2026, 1, 7, 9)


def test_upcoming_lists_only_the_shifts_of_the_person_asked_about() -> None:
    ann, bob, cy = people(3)
    given = rota(layer((ann, bob, cy)))

    mine = upcoming(given, bob, wall(BERLIN, 2026, 1, 5, 9), wall(BERLIN, 2026, 1, 14, 9))

    assert [s.start for s in mine] == [wall(BERLIN, 2026, 1, day, 9) for day in (6, 9, 12)]
    assert {s.person for s in mine} == {bob}


def test_moments_without_a_time_zone_are_refused() -> None:
    given = rota(layer(people(1)))

    with pytest.raises(NaiveMoment):
        on_duty(given, datetime(2026, 1, 7, 12))


@pytest.mark.parametrize(
    ("what", "build"),
    [
        ("no people", lambda: layer(())),
        ("an unknown zone", lambda: layer(people(1), zone="Mars/Olympus_Mons")),
        ("a zero-day rotation", lambda: Rotation(days=0)),
        ("a backwards override", lambda: Override("x", utc(2026, 1, 2), utc(2026, 1, 1))),
        ("an empty window", lambda: DailyWindow(time(9), time(9))),
        ("two layers of one name", lambda: rota(layer(people(1)), layer(people(1)))),
    ],
)
def test_a_rota_that_contradicts_itself_is_refused(what: str, build: object) -> None:
    assert callable(build), what
    with pytest.raises(InvalidRota):
        build()


# --- daylight-saving changes --------------------------------------------------------------
# 2026: Berlin springs forward on 29 March and falls back on 25 October; New York on
# 8 March and 1 November.


@pytest.mark.parametrize(
    ("zone", "spring_day", "autumn_day"),
    [
        (BERLIN, date(2026, 3, 29), date(2026, 10, 25)),
        (NEW_YORK, date(2026, 3, 8), date(2026, 11, 1)),
    ],
)
def test_a_daily_turn_across_the_spring_change_lasts_23_hours_and_across_autumn_25(
    zone: str, spring_day: date, autumn_day: date
) -> None:
    ann, bob = people(2)
    given = rota(layer((ann, bob), zone=zone, start=date(2026, 1, 1)))

    # At one in the morning the turn that started at nine the day before is still running.
    spring = on_duty(given, datetime.combine(spring_day, time(1), ZoneInfo(zone)))
    autumn = on_duty(given, datetime.combine(autumn_day, time(0, 30), ZoneInfo(zone)))

    assert spring is not None
    assert autumn is not None
    assert spring.end - spring.start == 23 * HOUR
    assert autumn.end - autumn.start == 25 * HOUR
    for shift in (spring, autumn):
        assert shift.start.astimezone(ZoneInfo(zone)).time() == time(9)
        assert shift.end.astimezone(ZoneInfo(zone)).time() == time(9)


def test_the_changes_of_berlin_and_new_york_fall_on_different_days() -> None:
    ann, bob = people(2)
    given = rota(
        layer((ann,), name="berlin", zone=BERLIN, start=date(2026, 3, 1)),
        layer((bob,), name="new york", zone=NEW_YORK, start=date(2026, 3, 1)),
    )
    berlin_only = Rota("eu", "director", (given.layers[0],))

    week = shifts(berlin_only, utc(2026, 3, 7), utc(2026, 3, 10))
    new_york_turn = on_duty(given, wall(NEW_YORK, 2026, 3, 8, 1))

    assert all(s.end - s.start == DAY for s in week)  # Berlin has not changed yet
    assert new_york_turn is not None
    assert new_york_turn.end - new_york_turn.start == 23 * HOUR


@pytest.mark.parametrize(
    ("zone", "spring_day", "skipped", "first_existing"),
    [
        (BERLIN, date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1)),  # 03:00 CEST
        (NEW_YORK, date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7)),  # 03:00 EDT
    ],
)
def test_a_hand_off_time_the_spring_change_skips_happens_at_the_first_moment_after_it(
    zone: str, spring_day: date, skipped: time, first_existing: datetime
) -> None:
    ann, bob = people(2)
    given = rota(layer((ann, bob), zone=zone, hand_off=skipped, start=spring_day - 2 * DAY))

    found = on_duty(given, first_existing)

    assert found is not None
    assert found.start == first_existing
    assert on_duty(given, first_existing - timedelta(seconds=1)) != found
    assert found.end == datetime.combine(spring_day + DAY, skipped, ZoneInfo(zone))


@pytest.mark.parametrize(
    ("zone", "autumn_day", "repeated", "first_time"),
    [
        (BERLIN, date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),  # CEST, not CET
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),  # EDT, not EST
    ],
)
def test_a_hand_off_time_the_autumn_change_repeats_happens_the_first_time(
    zone: str, autumn_day: date, repeated: time, first_time: datetime
) -> None:
    ann, bob = people(2)
    given = rota(layer((ann, bob), zone=zone, hand_off=repeated, start=autumn_day - 2 * DAY))

    found = on_duty(given, first_time)

    assert found is not None
    assert found.start == first_time
    assert who(on_duty(given, first_time + HOUR)) == found.person  # the second 02:30 is no hand-off


def test_office_hours_stay_nine_to_five_on_the_wall_clock_across_the_change() -> None:
    (ann,) = people(1)
    given = rota(layer((ann,), zone=BERLIN, restrictions=Restrictions(window=OFFICE_HOURS)))

    timeline = shifts(given, utc(2026, 3, 27), utc(2026, 4, 1))

    assert [s.start.hour for s in timeline] == [8, 8, 7, 7, 7]  # CET, then CEST, in UTC
    assert {s.start.astimezone(ZoneInfo(BERLIN)).time() for s in timeline} == {time(9)}
    assert {s.end - s.start for s in timeline} == {8 * HOUR}


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
def test_a_weekly_rotation_through_the_year_hands_off_on_the_wall_clock_through_both_changes(
    zone: str,
) -> None:
    ann, bob, cy = people(3)
    given = rota(layer((ann, bob, cy), rotation=WEEKLY, zone=zone, start=date(2026, 1, 5)))

    year = shifts(given, wall(zone, 2026, 1, 5, 9), wall(zone, 2027, 1, 4, 9))

    assert len(year) == 52
    assert {s.start.astimezone(ZoneInfo(zone)).time() for s in year} == {time(9)}
    assert {s.start.astimezone(ZoneInfo(zone)).weekday() for s in year} == {0}
    lengths = sorted(s.end - s.start for s in year)
    assert lengths[0] == 7 * DAY - HOUR
    assert lengths[-1] == 7 * DAY + HOUR
    assert lengths[1:-1] == [7 * DAY] * 50


def test_a_turn_spanning_both_changes_ends_on_the_wall_clock_having_lasted_whole_days() -> None:
    ann, bob = people(2)
    given = rota(
        layer((ann, bob), rotation=Rotation(days=280), zone=BERLIN, start=date(2026, 3, 2))
    )

    whole = on_duty(given, wall(BERLIN, 2026, 7, 1, 12))

    assert whole is not None
    assert whole.start == wall(BERLIN, 2026, 3, 2, 9)
    assert whole.end == wall(BERLIN, 2026, 12, 7, 9)
    assert whole.end - whole.start == 280 * DAY  # one hour lost in spring, won back in autumn


def follow_the_sun(tokyo: str, berlin: str, new_york: str) -> Rota:
    """Three offices handing over through the day, each from its own wall clock."""
    start = date(2026, 1, 1)
    return Rota(
        name="global directors",
        role="director",
        layers=(
            layer((tokyo,), name="tokyo", zone=TOKYO, start=start, hand_off=time(8),
                  restrictions=Restrictions(window=DailyWindow(time(8), time(16)))),
            layer((berlin,), name="berlin", zone=BERLIN, start=start, hand_off=time(8),
                  restrictions=Restrictions(window=DailyWindow(time(8), time(16)))),
            layer((new_york,), name="new york", zone=NEW_YORK, start=start, hand_off=time(10),
                  restrictions=Restrictions(window=DailyWindow(time(10), time(18)))),
        ),
    )  # fmt: skip


def test_follow_the_sun_covers_the_whole_day_in_winter_without_a_gap() -> None:
    tokyo, berlin, new_york = people(3)
    given = follow_the_sun(tokyo, berlin, new_york)

    day = shifts(given, utc(2026, 1, 14), utc(2026, 1, 15))

    assert [(s.person, s.start.hour) for s in day] == [
        (tokyo, 23),  # 08:00 in Tokyo, the evening before in UTC
        (berlin, 7),
        (new_york, 15),
        (tokyo, 23),
    ]
    assert all(one.end == two.start for one, two in pairwise(day))


def test_follow_the_sun_shows_the_gap_when_new_york_and_berlin_have_moved_their_clocks() -> None:
    tokyo, berlin, new_york = people(3)
    given = follow_the_sun(tokyo, berlin, new_york)

    # In summer New York works 14:00-22:00 UTC, and Tokyo starts only at 23:00 UTC.
    assert on_duty(given, utc(2026, 7, 15, 22, 30)) is None
    # Between 8 and 29 March only New York has moved: it opens at 14:00 UTC while Berlin
    # stays open until 15:00, and New York, the higher layer, takes over an hour early.
    berlin_day = on_duty(given, utc(2026, 3, 16, 13, 30))
    new_york_day = on_duty(given, utc(2026, 3, 16, 14, 30))
    assert berlin_day is not None
    assert new_york_day is not None
    assert (berlin_day.person, berlin_day.end) == (berlin, utc(2026, 3, 16, 14))
    assert (new_york_day.person, new_york_day.start) == (new_york, utc(2026, 3, 16, 14))
    # In Tokyo nothing moves: its office opens at 23:00 UTC all year.
    opening = on_duty(given, utc(2026, 7, 15, 23, 30))
    assert opening is not None
    assert opening.start == utc(2026, 7, 15, 23)


# --- properties over any rota -------------------------------------------------------------

# Lord Howe moves its clocks by half an hour; UTC and Tokyo never move them.
ZONES = (BERLIN, NEW_YORK, TOKYO, "Australia/Lord_Howe", "UTC")
YEAR_START = utc(2026, 1, 1)
# Durations of running code are never checked: hypothesis' deadline is one, so it is off.
PROPERTIES = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])

clock_times = st.builds(time, st.integers(0, 23), st.sampled_from((0, 15, 30, 45)))
windows = st.tuples(clock_times, clock_times).filter(lambda ends: ends[0] != ends[1])
restrictions = st.builds(
    Restrictions,
    days=st.frozensets(st.sampled_from(list(Weekday)), min_size=1),
    window=st.none() | windows.map(lambda ends: DailyWindow(*ends)),
)


@st.composite
def layers(draw: st.DrawFn, name: str, restricted: bool = True) -> Layer:
    return Layer(
        name=name,
        people=tuple(draw(st.lists(st.sampled_from(("ann", "bob", "cy")), min_size=1, max_size=3))),
        rotation=Rotation(days=draw(st.integers(1, 8))),
        hand_off=draw(clock_times),
        zone=draw(st.sampled_from(ZONES)),
        start=draw(st.dates(date(2025, 12, 1), date(2026, 12, 31))),
        restrictions=draw(restrictions) if restricted and draw(st.booleans()) else Restrictions(),
    )


@st.composite
def overrides(draw: st.DrawFn) -> Override:
    start = YEAR_START + timedelta(minutes=15 * draw(st.integers(0, 400 * 96)))
    hours = timedelta(minutes=15 * draw(st.integers(1, 5 * 96)))
    return Override(draw(st.sampled_from(("ann", "dee"))), start, start + hours)


@st.composite
def any_rota(draw: st.DrawFn) -> Rota:
    count = draw(st.integers(1, 3))
    return Rota(
        name="any",
        role=draw(st.sampled_from(("escalation manager", "director"))),
        layers=tuple(draw(layers(f"layer {index}")) for index in range(count)),
        overrides=tuple(draw(st.lists(overrides(), max_size=2))),
    )


@st.composite
def spans(draw: st.DrawFn) -> tuple[datetime, datetime]:
    start = YEAR_START + timedelta(minutes=draw(st.integers(0, 400 * 24 * 60)))
    return start, start + timedelta(minutes=draw(st.integers(1, 12 * 24 * 60)))


@PROPERTIES
@for_all(given_rota=any_rota(), window=spans())
def test_the_shifts_of_a_window_come_in_order_never_overlap_and_each_touches_the_window(
    given_rota: Rota, window: tuple[datetime, datetime]
) -> None:
    timeline = shifts(given_rota, *window)

    assert all(shift.start < shift.end for shift in timeline)
    assert all(one.end <= two.start for one, two in pairwise(timeline))
    assert all(shift.start < window[1] and window[0] < shift.end for shift in timeline)


@PROPERTIES
@for_all(given_rota=any_rota(), window=spans())
def test_shifts_that_touch_differ_in_person_or_in_turn_or_override(
    given_rota: Rota, window: tuple[datetime, datetime]
) -> None:
    timeline = shifts(given_rota, *window)

    for one, two in pairwise(timeline):
        if one.end == two.start:
            assert (one.person, one.source) != (two.person, two.source)


@PROPERTIES
@for_all(given_rota=any_rota(), window=spans(), samples=st.lists(st.floats(0, 1), max_size=12))
def test_a_window_shows_at_every_moment_exactly_the_shift_on_duty_names(
    given_rota: Rota, window: tuple[datetime, datetime], samples: list[float]
) -> None:
    start, end = window
    timeline = shifts(given_rota, start, end)
    edges = [edge for shift in timeline for edge in (shift.start, shift.end)]
    moments = [start + (end - start) * share for share in samples] + edges

    for moment in (m for m in moments if start <= m < end):
        running = [shift for shift in timeline if shift.covers(moment)]
        assert len(running) <= 1
        assert on_duty(given_rota, moment) == (running[0] if running else None)


@PROPERTIES
@for_all(only=layers("only", restricted=False), window=spans())
def test_every_hand_off_is_at_the_wall_clock_time_or_just_after_the_clocks_skip_it(
    only: Layer, window: tuple[datetime, datetime]
) -> None:
    given_rota = Rota(name="one layer", role="director", layers=(only,))
    zone = ZoneInfo(only.zone)

    for shift in shifts(given_rota, *window):
        local = shift.start.astimezone(zone)
        if local.time() != only.hand_off:
            meant = datetime.combine(local.date(), only.hand_off, zone)
            assert meant.astimezone(UTC).astimezone(zone).time() != only.hand_off  # skipped
            assert (shift.start - timedelta(seconds=1)).astimezone(zone).time() < only.hand_off
            assert local.time() > only.hand_off


@PROPERTIES
@for_all(given_rota=any_rota(), window=spans(), person=st.sampled_from(("ann", "bob", "dee")))
def test_upcoming_is_the_window_seen_by_one_person(
    given_rota: Rota, window: tuple[datetime, datetime], person: str
) -> None:
    everyone = shifts(given_rota, *window)

    assert upcoming(given_rota, person, *window) == [s for s in everyone if s.person == person]
