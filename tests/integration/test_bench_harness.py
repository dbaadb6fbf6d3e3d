"""The benchmarks' own code, run small on the real PostgreSQL: a bench that
no longer fits the code it measures (a column added to the event log, say)
fails here rather than on the next `make bench`. Nothing is asserted about
speed."""

from __future__ import annotations

from bench import escalation


async def test_the_replay_bench_seeds_a_store_that_replays_and_rebuilds(
    postgres_url: str,
) -> None:
    # given a store seeded by the bench with ten escalations' stories
    # when the replay section runs on it
    figures = await escalation.run(database_url=postgres_url, events=200)

    # then every seeded event was replayed into state and rebuilt into projections
    replay, rebuild = figures
    assert replay.name == "replay into state, 200 events"
    assert replay.value > 0
    assert replay.baseline > 0
    assert rebuild.name == "projection rebuild"
    assert rebuild.value > 0
