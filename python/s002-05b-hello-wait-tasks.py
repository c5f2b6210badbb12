# s002-05b-hello-wait-tasks (document 002): the document's code, with the imports it leaves out.
import asyncio
import time

async def async_add(a, b):
    c = 0
    while c < 1000000:
        c +=1
    return a + b

async def hello():
    print('Hello world: ', 'time=', time.time())
    r = await async_add(1, 3)
    print('异步返回的结果：', r, 'time: ', time.time())

async def main():
    await asyncio.wait([asyncio.ensure_future(hello()) for x in range(4)])

def run():
    loop = asyncio.new_event_loop()
    loop.run_until_complete(main())

run()
