# x03-taskgroup-failing-child: three fetches in an asyncio.TaskGroup. 'small' is done
# before anything goes wrong; 'flaky' raises ConnectionError partway. The group then
# cancels what is still running: 'big', and the block's own await in main. The block
# waits for the cancelled tasks to end, and raises an ExceptionGroup of the failures,
# which main takes apart with except*.
import asyncio

start = None


def now():
    return asyncio.get_running_loop().time() - start


async def fetch(name, seconds, fails=False):
    print('[%s] fetching at %.1f' % (name, now()))
    try:
        await asyncio.sleep(seconds)
        if fails:
            raise ConnectionError('%s: connection reset' % name)
    except asyncio.CancelledError:
        print('[%s] cancelled at %.1f' % (name, now()))
        raise
    print('[%s] done at %.1f' % (name, now()))
    return '%s page' % name


async def main():
    global start
    start = asyncio.get_running_loop().time()
    try:
        async with asyncio.TaskGroup() as tg:
            small = tg.create_task(fetch('small', 0.1))
            big = tg.create_task(fetch('big', 1.0))
            tg.create_task(fetch('flaky', 0.3, fails=True))
            print('[main] three fetches started')
            try:
                await asyncio.sleep(2.0)  # the block's own work
                print('[main] the block is done')
            except asyncio.CancelledError:
                print('[main] the block is cancelled at %.1f' % now())
                raise
    except* ConnectionError as eg:
        print('[main] except* ConnectionError at %.1f: %r' % (now(), eg))
        for e in eg.exceptions:
            print('[main]   %s: %s' % (type(e).__name__, e))
    print('[main] small gave %r; big was cancelled: %s' % (small.result(), big.cancelled()))
    print('[main] the group took its cancellation back: cancelling() is %d'
          % asyncio.current_task().cancelling())

asyncio.run(main())
