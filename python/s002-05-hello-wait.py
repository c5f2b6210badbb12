# s002-05-hello-wait (document 002): the document's code, with the imports it leaves out
# and the call to run() it forgets. Python 3.11 raises TypeError (see the errata).
import asyncio
import time

async def async_add(a, b):
    # asyncio.sleep(1)
    c = 0
    while c < 1000000:
        c +=1
    return a + b

async def hello():
    print('Hello world: ', 'time=', time.time())
    r = await async_add(1, 3)  # 模拟做别的事情
    print('异步返回的结果：', r, 'time: ', time.time())

def run():
    loop = asyncio.get_event_loop()
    loop.run_until_complete(asyncio.wait([hello() for x in range(4)])) # 使用await是因为run_until_complete 是一个阻塞的函数

run()
