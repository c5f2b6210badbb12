# s002-04-done-callback (document 002): the document's code, with the imports it leaves out
# and the `callback` it never defines (its prose says the callback receives the future).
import asyncio
import time

async def add(a,b):
    asyncio.sleep(1)
    print('add result: ', a+b)
    return a+b

def callback(future):
    print('Callback: ', future.result())

start = time.time()
loop = asyncio.get_event_loop()
loop2 = asyncio.get_event_loop()
print('id diff: ', id(loop), id(loop2)) # 同一个线程占有相同的内存空间
coroutine = add(1,2)
#task = loop.create_task(coroutine) # 可以通过asyncio.ensure_future()来创建task
task = asyncio.ensure_future(coroutine, loop=loop) # loop 是线程特定，因此可以不用传递
print(task)
task.add_done_callback(callback)
loop.run_until_complete(task)
print('time: ', time.time() - start)
