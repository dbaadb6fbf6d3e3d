"""Background loops end with their app: a cancellation is never lost."""

from __future__ import annotations

import asyncio

from ec_platform.tasks import Doorbell, keep_running


async def test_a_loop_cancelled_just_as_its_bell_rings_still_stops() -> None:
    # given a loop pausing between rounds of work
    bell = Doorbell()
    worked = asyncio.Event()

    async def work() -> float:
        worked.set()
        return 60.0

    loop = asyncio.create_task(bell.serve_paced("test loop", work))
    await worked.wait()
    await asyncio.sleep(0)  # into its pause

    # when the bell rings and the loop is cancelled in the same moment
    bell.ring()
    loop.cancel()

    # then the loop ends, cancelled (it does not carry on unseen)
    done, _ = await asyncio.wait({loop}, timeout=30)
    assert done == {loop}
    assert loop.cancelled()


async def test_a_loop_whose_step_raises_a_stray_cancellation_runs_again_and_counts_it() -> None:
    # given a loop whose first step ends in a cancellation nobody asked for
    # (a library's own, escaping it), and whose second step finishes
    steps: list[int] = []
    second = asyncio.Event()
    restarts: list[str] = []

    async def step() -> None:
        steps.append(len(steps))
        if len(steps) == 1:
            raise asyncio.CancelledError
        second.set()
        await asyncio.Event().wait()

    loop = asyncio.create_task(
        keep_running("test loop", step, failure_pause_s=0, restarted=lambda: restarts.append("x"))
    )

    # then it runs again, counted once, and still ends when really cancelled
    await asyncio.wait_for(second.wait(), timeout=30)
    assert steps == [0, 1]
    assert restarts == ["x"]
    loop.cancel()
    done, _ = await asyncio.wait({loop}, timeout=30)
    assert done == {loop}
    assert loop.cancelled()
