# Exercise 03: close() and finally. When does each reader's finally block run?
def reader(name):
    print(f'{name}: open')
    try:
        while True:
            line = yield
            print(f'{name}: got {line}')
    finally:
        print(f'{name}: close')


r1 = reader('r1')
next(r1)
r1.send('a')
r1.send('b')
r1.close()
print('main: r1 closed')

r2 = reader('r2')
next(r2)
r2.send('x')
del r2  # CPython collects it at once, and collecting a suspended generator closes it
print('main: r2 dropped')

r3 = reader('r3')
r3.close()  # never started: there is no try block to leave
print('main: r3 closed without running')
