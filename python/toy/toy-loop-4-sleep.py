# Toy loop, stage 4: stage 3's loop, Future and Task, with Future.__iter__ and sleep:
# the future sleep makes travels up through two levels of `yield from` to the task.
# examples/toy-loop-4-sleep.rs is the same loop in Rust.
import heapq
from collections import deque


class Loop:
    def __init__(self):
        self.now = 0.0
        self.ready = deque()
        self.timers = []  # (when, seq, callback)
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
                print(f'[loop] nothing ready: sleep until {self.timers[0][0]:.1f}')
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

    def __iter__(self):  # yield from future
        if not self._done:
            yield self  # up through every `yield from`, to the task
        return self._result

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


class Task:
    def __init__(self, loop, name, coro):
        self.loop, self.name, self.coro = loop, name, coro
        loop.call_soon(self.step)

    def step(self):
        print(f'{self.loop.time():.1f} [task] step {self.name}')
        try:
            future = self.coro.send(None)
        except StopIteration:
            print(f'{self.loop.time():.1f} [task] {self.name} returned')
        else:
            future.add_done_callback(self.step)


loop = Loop()


def sleep(delay):
    future = Future(loop)
    loop.call_later(delay, lambda: future.set_result(None))
    return (yield from future)


def worker(name, delay):
    print(f'{loop.time():.1f} {name}: start')
    yield from sleep(delay)
    print(f'{loop.time():.1f} {name}: slept {delay:.1f}')
    yield from sleep(delay)
    print(f'{loop.time():.1f} {name}: slept {delay:.1f} again')


Task(loop, 'a', worker('a', 1.0))
Task(loop, 'b', worker('b', 0.5))
loop.run()
