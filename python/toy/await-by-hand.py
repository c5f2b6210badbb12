# A native coroutine driven by hand: no event loop, only send(None). The future a
# coroutine awaits travels up through every `await` and comes out of send() to the
# driver, which plays the task: it waits until the future is done and sends again.
# examples/poll-by-hand.rs is the Rust side: an async fn polled by hand.


class Future:
    """asyncio.Future's __await__, and nothing else."""

    def __init__(self, name):
        self.name = name
        self.done = False
        self.result = None

    def set_result(self, value):
        print(f'{self.name}: set_result({value})')
        self.result, self.done = value, True

    def __await__(self):
        if not self.done:
            yield self  # up through every await, out of send(), to the driver
        return self.result


async def leaf(future):
    print(f'leaf: await {future.name}')
    value = await future
    print(f'leaf: got {value}')
    return value * 2


async def middle(future):
    print('middle: await leaf')
    value = await leaf(future)
    print(f'middle: leaf returned {value}')
    return value + 1


f = Future('f')
coro = middle(f)
print('driver: send(None)')
came_up = coro.send(None)
print(f'driver: send returned the future {came_up.name}')
f.set_result(20)
print('driver: send(None) again')
try:
    coro.send(None)
except StopIteration as stop:
    print(f'driver: StopIteration({stop.value})')
