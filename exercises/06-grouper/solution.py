# Exercise 06: the delegating averager (Fluent Python): main is the caller, grouper the
# delegating generator, averager the sub-generator, whose return value comes back
# through `yield from`.
from collections import namedtuple

Result = namedtuple('Result', 'count average')


def averager():
    total = 0.0
    count = 0
    average = None
    while True:
        term = yield
        if term is None:
            break
        total += term
        count += 1
        average = total / count
    return Result(count, average)


def grouper(results, key):
    while True:
        results[key] = yield from averager()
        print(f'grouper: {key} gave {results[key]}')


data = {
    'girls;kg': [40.9, 38.5, 44.3, 42.2],
    'girls;m': [1.6, 1.51, 1.4, 1.3],
    'boys;kg': [39.0, 40.8, 43.2],
    'boys;m': [1.38, 1.5, 1.32],
}

results = {}
for key, values in data.items():
    group = grouper(results, key)
    next(group)
    for value in values:
        group.send(value)
    group.send(None)  # the averager returns; grouper stores its result, and starts another

for key in sorted(results):
    result = results[key]
    print(f'{result.count:2} {key:8} averaging {result.average:.2f}')
