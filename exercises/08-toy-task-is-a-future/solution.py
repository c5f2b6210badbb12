# Exercise 08: a Task is a Future. The toy loop's Task gets a result (its coroutine's
# return value), so a coroutine can `yield from task` and get it.
import heapq
from collections import deque


class Loop:
    def __init__(self):
        self.now = 0.0
        self.ready = deque()
        self.timers = []
        self.seq = 0

    def time(self):
        return self.now

    def call_soon(self, callback):
        self.ready.append(callback)

    def call_later(self, delay, callback):
        self.seq += 1
        heapq.heappush(self.timers, (self.now + delay, self.seq, callback))

    def run(self):
        while True:
            if not self.ready:
                if not self.timers:
                    break
                self.now = self.timers[0][0]
            while self.timers and self.timers[0][0] <= self.now:
                self.ready.append(heapq.heappop(self.timers)[2])
            for _ in range(len(self.ready)):
                self.ready.popleft()()


class Future:
    def __init__(self, loop):
        self.loop = loop
        self._done = False
        self._result = None
        self.callbacks = []

    def done(self):
        return self._done

    def result(self):
        return self._result

    def set_result(self, value):
        self._result, self._done = value, True
        for callback in self.callbacks:
            self.loop.call_soon(callback)
        self.callbacks = []

    def add_done_callback(self, callback):
        if self._done:
            self.loop.call_soon(callback)
        else:
            self.callbacks.append(callback)

    def __iter__(self):
        if not self._done:
            yield self
        return self._result


class Task(Future):
    def __init__(self, loop, name, coro):
        super().__init__(loop)
        self.name, self.coro = name, coro
        loop.call_soon(self.step)

    def step(self):
        try:
            future = self.coro.send(None)
        except StopIteration as stop:
            print(f'{self.loop.time():.1f} [task] {self.name} returned {stop.value}')
            self.set_result(stop.value)
        else:
            future.add_done_callback(self.step)


loop = Loop()


def sleep(delay):
    future = Future(loop)
    loop.call_later(delay, lambda: future.set_result(None))
    return (yield from future)


def compute(name, delay, value):
    print(f'{loop.time():.1f} {name}: start')
    yield from sleep(delay)
    return value


def main():
    one = Task(loop, 'one', compute('one', 1.0, 10))
    two = Task(loop, 'two', compute('two', 0.5, 32))
    a = yield from one
    print(f'{loop.time():.1f} main: one gave {a}')
    b = yield from two  # done already: no suspension
    print(f'{loop.time():.1f} main: two gave {b}')
    return a + b


Task(loop, 'main', main())
loop.run()
