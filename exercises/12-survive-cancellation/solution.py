# Exercise 12: a task that survives its cancellation: it catches CancelledError, cleans
# up (awaiting, even), and returns a value instead of ending cancelled.
import asyncio


async def worker():
    print('worker: start, sleeping for 10 s')
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print('worker: cancelled; cleaning up')
        await asyncio.sleep(0.1)
        print('worker: clean, and not giving up')
        return 'survived'
    return 'slept'


async def main():
    task = asyncio.create_task(worker())
    await asyncio.sleep(0.1)
    print(f'main: cancel() -> {task.cancel()}')
    result = await task
    print(f'main: the task returned {result!r}')
    print(f'main: cancelled() -> {task.cancelled()}')
    print(f'main: cancel() again -> {task.cancel()}')


asyncio.run(main())
