# s002-02-add (document 002): the document's code, with the imports it leaves out.
import asyncio
import time

async def add(a,b):
    asyncio.sleep(1)
    print('add result: ', a+b)
    return a+b

start = time.time()
loop = asyncio.get_event_loop()
coroutine = add(1,2)
loop.run_until_complete(coroutine) # 这里也可以返回执行结果
print('time: ', time.time() - start)
