# Exercise 02: a running average, kept by a coroutine (Fluent Python's averager).
def averager():
    total = 0.0
    count = 0
    average = None
    while True:
        term = yield average
        total += term
        count += 1
        average = total / count


avg = averager()
print(next(avg))
print(avg.send(10))
print(avg.send(30))
print(avg.send(5))
print(avg.send(7))

fresh = averager()
try:
    fresh.send(10)
except TypeError as e:
    print('TypeError:', e)
