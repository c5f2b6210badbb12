# s000-01-interleave (documents 000 and 004): subroutines A and B, run as coroutines.
# The document only imagines the output "1 2 x y 3 z". Here A and B are generators
# with a `yield` after every print (a point where the routine may be interrupted),
# and the driver resumes them in the order A, A, B, B, A, B.
def A():
    print('1')
    yield
    print('2')
    yield
    print('3')
    yield


def B():
    print('x')
    yield
    print('y')
    yield
    print('z')
    yield


a, b = A(), B()
for g in (a, a, b, b, a, b):
    next(g)
