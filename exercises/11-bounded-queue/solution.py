# Exercise 11: a bounded queue, built from futures: put waits while the queue is full,
# get waits while it is empty. A producer outruns a consumer and is held back.
import asyncio
from collections import deque


class Queue:
    def __init__(self, maxsize):
        self.items = deque()
        self.maxsize = maxsize
        self.getters = deque()  # futures of the tasks waiting to get
        self.putters = deque()  # futures of the tasks waiting to put

    async def put(self, item):
        while len(self.items) >= self.maxsize:
            print(f'  queue: full, put({item}) waits')
            waiter = asyncio.get_running_loop().create_future()
            self.putters.append(waiter)
            await waiter
        self.items.append(item)
        self._wake_one(self.getters)

    async def get(self):
        while not self.items:
            print('  queue: empty, get() waits')
            waiter = asyncio.get_running_loop().create_future()
            self.getters.append(waiter)
            await waiter
        item = self.items.popleft()
        self._wake_one(self.putters)
        return item

    def _wake_one(self, waiters):
        if waiters:
            waiters.popleft().set_result(None)


async def producer(queue, n):
    for i in range(n):
        print(f'producer: put {i}')
        await queue.put(i)
    print('producer: put None, the end')
    await queue.put(None)


async def consumer(queue):
    while True:
        item = await queue.get()
        if item is None:
            break
        print(f'consumer: got {item}')
    print('consumer: done')


async def main():
    queue = Queue(2)
    await asyncio.gather(consumer(queue), producer(queue, 5))


asyncio.run(main())
