# s002-03-create-task (document 002): the document's code, with the imports it leaves out.
import asyncio
import time

async def add(a,b):
    asyncio.sleep(1)
    print('add result: ', a+b)
    return a+b

start = time.time()
loop = asyncio.get_event_loop()
coroutine = add(1,2)
task = loop.create_task(coroutine) # 可以通过asyncio.ensure_future()来创建task
print(task)
loop.run_until_complete(task)
print(task.result())
print('time: ', time.time() - start)
