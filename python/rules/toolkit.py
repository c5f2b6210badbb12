# asyncio's toolkit (queues and locks), as CPython 3.11 behaves, each next to a pycoro
# test in tests/native_toolkit.rs (same names). tests/cpython.rs runs this file: every
# assert is checked.
import asyncio


# ANCHOR: free_lock
async def an_acquire_that_finds_the_lock_free_does_not_suspend():
    log = []
    lock = asyncio.Lock()

    async def other():
        log.append("the other task ran")

    asyncio.create_task(other())
    for _ in range(3):
        async with lock:
            pass
    log.append("acquired three times")
    await asyncio.sleep(0)
    assert log == ["acquired three times", "the other task ran"], log
# ANCHOR_END: free_lock


# ANCHOR: passed_on
async def a_woken_waiter_that_is_cancelled_passes_the_lock_to_the_next_in_line():
    lock = asyncio.Lock()
    await lock.acquire()
    first = asyncio.create_task(lock.acquire())
    second = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)
    lock.release()  # wakes the first waiter...
    first.cancel()  # ...which is cancelled before it could take the lock
    await asyncio.sleep(0)
    assert first.cancelled() and not second.done()
    await asyncio.sleep(0)  # the first passed its turn on: the second has the lock
    assert second.done() and lock.locked()
# ANCHOR_END: passed_on


async def a_woken_getter_that_is_cancelled_leaves_the_item_to_the_next_getter():
    q = asyncio.Queue()
    first = asyncio.create_task(q.get())
    second = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.put_nowait("item")  # wakes the first getter...
    first.cancel()  # ...which is cancelled before it could take the item
    assert await second == "item"
    assert first.cancelled() and q.empty()


# Python's side of a difference (the chapter's box): a coroutine closed in its wait after
# its wake-up gets GeneratorExit, not CancelledError, and the wake-up is lost. pycoro's
# dropping_an_acquire_that_was_woken_passes_the_lock_to_the_next_in_line passes it on.
async def a_coroutine_closed_after_its_wake_up_loses_it():
    lock = asyncio.Lock()
    await lock.acquire()
    first = lock.acquire()
    first.send(None)  # suspended in its wait, as a task leaves it
    second = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)
    lock.release()  # wakes the first waiter...
    first.close()  # ...whose coroutine is closed: GeneratorExit at its await
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not second.done() and not lock.locked()  # nobody took the turn
    second.cancel()


async def wait_for_returns_only_once_the_timed_out_task_has_finished():
    log = []
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def cleaning():
        try:
            await asyncio.sleep(10)
        finally:
            log.append(f"cleaned up at {round(loop.time() - start)}")

    task = asyncio.create_task(cleaning())
    try:
        await asyncio.wait_for(task, 0.2)
    except TimeoutError:
        assert task.cancelled(), "done when wait_for returns"
        log.append("TimeoutError")
    assert log == ["cleaned up at 0", "TimeoutError"], log


async def wait_for_gives_the_result_of_a_task_that_swallows_its_cancellation():
    async def stubborn():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            pass  # cancelled, and it carries on
        return "finished anyway"

    assert await asyncio.wait_for(asyncio.create_task(stubborn()), 0.1) == "finished anyway"


def a_priority_queue_keeps_its_items_in_python_heapq_order():
    q = asyncio.PriorityQueue()
    for i in [5, 3, 8, 1, 9, 2, 7]:
        q.put_nowait(i)
    assert str(q) == "<PriorityQueue maxsize=0 _queue=[1, 3, 2, 5, 9, 8, 7] tasks=7>", str(q)
    assert q.get_nowait() == 1
    assert str(q) == "<PriorityQueue maxsize=0 _queue=[2, 3, 7, 5, 9, 8] tasks=7>", str(q)


async def the_toolkit_waits_can_be_given_to_wait_for_and_create_task():
    q = asyncio.Queue()
    ev = asyncio.Event()
    cond = asyncio.Condition()
    try:
        await asyncio.wait_for(q.get(), 0.01)
    except TimeoutError:
        pass
    else:
        raise AssertionError('no TimeoutError')
    getter = asyncio.create_task(q.get())
    await asyncio.wait_for(q.put('item'), 0.01)
    assert await getter == 'item'
    waiter = asyncio.create_task(ev.wait())
    await asyncio.sleep(0)
    ev.set()
    assert await asyncio.wait_for(waiter, 0.01) is True
    q.put_nowait('left')
    q.get_nowait()
    q.task_done()
    q.task_done()
    await asyncio.wait_for(q.join(), 0.01)
    async with cond:
        try:
            await asyncio.wait_for(cond.wait(), 0.01)
        except TimeoutError:
            assert cond.locked()  # it took the lock back
        else:
            raise AssertionError('no TimeoutError')
    barrier = asyncio.Barrier(2)
    first = asyncio.create_task(barrier.wait())
    assert sorted([await asyncio.wait_for(barrier.wait(), 0.01), await first]) == [0, 1]


asyncio.run(an_acquire_that_finds_the_lock_free_does_not_suspend())
asyncio.run(a_woken_waiter_that_is_cancelled_passes_the_lock_to_the_next_in_line())
asyncio.run(a_woken_getter_that_is_cancelled_leaves_the_item_to_the_next_getter())
asyncio.run(a_coroutine_closed_after_its_wake_up_loses_it())
asyncio.run(wait_for_returns_only_once_the_timed_out_task_has_finished())
asyncio.run(wait_for_gives_the_result_of_a_task_that_swallows_its_cancellation())
a_priority_queue_keeps_its_items_in_python_heapq_order()
asyncio.run(the_toolkit_waits_can_be_given_to_wait_for_and_create_task())
