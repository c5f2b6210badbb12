# s002-10-cancel-ctrl-c (document 002). Two changes let it run unattended on 3.11: a timer
# thread sends SIGINT 1.5 s after start, and asyncio.Task.all_tasks(), removed in 3.9, becomes
# asyncio.all_tasks(loop).
import asyncio
import time
import os, signal, threading


now = lambda :time.time()


async def do_some_work(x):
    print("Waiting:",x)
    await asyncio.sleep(x)
    return "Done after {}s".format(x)

coroutine1 =do_some_work(1)
coroutine2 =do_some_work(2)
coroutine3 =do_some_work(2)

loop = asyncio.get_event_loop()
tasks = [
    asyncio.ensure_future(coroutine1),
    asyncio.ensure_future(coroutine2),
    asyncio.ensure_future(coroutine3),
]

start = now()
threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()

try:
    loop.run_until_complete(asyncio.wait(tasks))
except KeyboardInterrupt as e:
    print(asyncio.all_tasks(loop))
    for task in asyncio.all_tasks(loop):
        print(task.cancel())
    loop.stop()
    loop.run_forever()
finally:
    loop.close()

print("Time:",now()-start)
