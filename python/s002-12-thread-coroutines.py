# s002-12-thread-coroutines (document 002). As written it never exits: the last lines (added) stop the
# loop after the queued work and join its thread.
import asyncio
import time
from threading import Thread

now = lambda :time.time()


def start_loop(loop):
    asyncio.set_event_loop(loop)
    loop.run_forever()

async def do_some_work(x):
    print('Waiting {}'.format(x))
    await asyncio.sleep(x)
    print('Done after {}s'.format(x))

def more_work(x):
    print('More work {}'.format(x))
    time.sleep(x)
    print('Finished more work {}'.format(x))

start = now()
new_loop = asyncio.new_event_loop()
t = Thread(target=start_loop, args=(new_loop,))
t.start()
print('TIME: {}'.format(time.time() - start))

f1 = asyncio.run_coroutine_threadsafe(do_some_work(6), new_loop)
f2 = asyncio.run_coroutine_threadsafe(do_some_work(4), new_loop)

f1.result(); f2.result()
new_loop.call_soon_threadsafe(new_loop.stop)
t.join()
