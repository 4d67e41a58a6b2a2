"""The localnet process keeps its ledger out of the cyclic GC without freezing garbage."""

import asyncio
import gc
import weakref

from walletreports.localnet.__main__ import keep_the_ledger_out_of_gc


class Cycle:
    def __init__(self):
        self.me = self


def test_a_freeze_pass_leaves_no_garbage_cycle_frozen():
    garbage = Cycle()
    gone = weakref.ref(garbage)
    del garbage  # unreachable now, but only the cyclic collector can free it

    async def one_pass():
        task = asyncio.create_task(keep_the_ledger_out_of_gc(every_seconds=60))
        await asyncio.sleep(0)  # the first pass runs up to its sleep
        task.cancel()

    try:
        asyncio.run(one_pass())
        gc.collect()
        assert gone() is None  # a frozen cycle would survive every later collection
    finally:
        gc.unfreeze()
