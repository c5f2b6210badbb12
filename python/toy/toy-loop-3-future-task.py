# Toy loop, stage 3: a loop of callbacks (call_soon, call_later), a Future with done
# callbacks, and a Task whose step sends a generator on and, when it yields a future,
# adds the next step to that future's callbacks. examples/toy-loop-3-future-task.rs is
# the same loop in Rust.
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
future = Future(loop)


def waiter(name):
    print(f'{loop.time():.1f} {name}: waiting for the future')
    yield future  # suspended until the future is done
    print(f'{loop.time():.1f} {name}: the future says {future.result()}')


Task(loop, 'w1', waiter('w1'))
Task(loop, 'w2', waiter('w2'))


def timer():
    print(f'{loop.time():.1f} timer: set_result(42)')
    future.set_result(42)


loop.call_later(1.0, timer)
loop.run()
