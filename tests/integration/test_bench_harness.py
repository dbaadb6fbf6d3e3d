"""The benchmarks' own code, run small on the real PostgreSQL (and Kafka, for
the notifier's): a bench that no longer fits the code it measures (a column
added to the event log, say) fails here rather than on the next `make bench`.
Nothing is asserted about speed."""

from __future__ import annotations

from bench import escalation, notifier


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


async def test_the_notifier_bench_measures_a_healthy_receiver_beside_a_dead_backlog(
    kafka_servers: str,
) -> None:
    # given the notifier bench's head-of-line measure, run small
    # when it measures a healthy receiver alone, then beside a dead subscriber's backlog
    measured = await notifier.head_of_line(kafka=kafka_servers, events=20, backlog=100, wait_s=30)

    # then the whole backlog was recorded for the dead subscriber before the
    # healthy events, each measure waited for the same events, and it reports
    # its figures beside their baselines (however few arrived beside the backlog)
    assert measured.backlog == 100
    assert measured.alone.expected == measured.beside.expected == 20
    assert measured.alone.arrived == 20
    assert 0 <= measured.beside.arrived <= 20
    alone, beside, ratio = measured.figures(ceiling=1.0)
    assert alone.name == "webhook deliveries/s alone"
    assert beside.name.startswith("  beside 100 dead deliveries due")
    assert (ratio.value, ratio.baseline) == (beside.value, alone.value)
