# Exercise 07: call_later for the toy loop. Callbacks due at the same time run in the
# order they were scheduled; a callback may schedule another.
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
                self.now = self.timers[0][0]
            while self.timers and self.timers[0][0] <= self.now:
                self.ready.append(heapq.heappop(self.timers)[2])
            for _ in range(len(self.ready)):
                self.ready.popleft()()


loop = Loop()


def say(what):
    return lambda: print(f'{loop.time():.1f} {what}')


def then_later():
    print(f'{loop.time():.1f} half a second in: one more, half a second later')
    loop.call_later(0.5, say('scheduled at 0.5, due at 1.0'))


loop.call_later(1.0, say('due at 1.0, scheduled first'))
loop.call_later(0.5, then_later)
loop.call_soon(say('soon'))
loop.call_later(1.0, say('due at 1.0, scheduled second'))
loop.call_later(0.0, say('later, after no delay'))
loop.call_soon(say('soon again'))
loop.run()
print(f'{loop.time():.1f} nothing left')
