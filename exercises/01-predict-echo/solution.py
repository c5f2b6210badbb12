# Exercise 01: predict, then translate. What does this print, and in what order?
def echo():
    print('echo: started')
    received = yield 'ready'
    while True:
        print(f'echo: received {received}')
        if received is None:
            received = yield 'nothing to echo'
        else:
            received = yield received * 2


g = echo()
print('main: created, nothing printed yet')
print(f'main: next -> {next(g)}')
print(f'main: send(5) -> {g.send(5)}')
print(f'main: next -> {next(g)}')
print(f'main: send(21) -> {g.send(21)}')
g.close()
print('main: closed')
