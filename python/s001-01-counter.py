# s001-01-counter (document 001). The document defines f() and explains next/send in
# prose; the driver (added) performs exactly the calls the prose describes.
def f():
    s = 0
    while True:
        s += 1
        n = yield s
        print(n)


a = f()
print(next(a))        # runs to the first yield: 1
print(next(a))        # n = None is printed, then 2
print(a.send('hi'))   # n = 'hi' is printed, then 3
b = f()
try:
    b.send('x')       # the first send must be None
except TypeError as e:
    print('TypeError:', e)
