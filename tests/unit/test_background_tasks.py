"""Background loops end with their app: a cancellation is never lost."""

from __future__ import annotations

import asyncio

from ec_platform.tasks import Doorbell


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
