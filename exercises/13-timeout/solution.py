# Exercise 13: a task that times out. wait_for, written with asyncio.wait: on timeout,
# cancel the task and wait until the cancellation has been delivered (the task may clean
# up), then raise TimeoutError. asyncio.wait_for does the same.
import asyncio


async def wait_for(task, timeout):
    done, _ = await asyncio.wait([task], timeout=timeout)
    if task in done:
        return task.result()
    task.cancel()
    try:
        await task  # until the task has taken its CancelledError
    except asyncio.CancelledError:
        pass
    raise TimeoutError()


async def slow_op(name, seconds):
    print(f'{name}: working for {seconds} s')
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        print(f'{name}: cancelled, cleaning up')
        raise
    print(f'{name}: finished')
    return name


async def main():
    for name, seconds in [('quick', 0.1), ('slow', 1.0)]:
        task = asyncio.create_task(slow_op(name, seconds))
        try:
            print(f'main: got {await wait_for(task, 0.3)!r}')
        except TimeoutError:
            print(f'main: {name} timed out; cancelled() -> {task.cancelled()}')


asyncio.run(main())
