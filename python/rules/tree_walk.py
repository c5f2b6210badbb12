# The recursive tree walk of the chapter "Three ways to suspend a function", as CPython
# runs it: a generator per level, each re-yielding what the levels below yield.
# tests/cpython.rs runs this file: every assert is checked.


class Node:
    def __init__(self, value, children=()):
        self.value = value
        self.children = list(children)


# ANCHOR: walk
def walk(node):
    yield node.value
    for child in node.children:
        yield from walk(child)
# ANCHOR_END: walk


def complete(depth, fanout, counter=None):
    """The same tree as pycoro's Tree::complete: numbered in pre-order from 0."""
    counter = counter if counter is not None else [0]
    value = counter[0]
    counter[0] += 1
    children = [complete(depth - 1, fanout, counter) for _ in range(fanout)] if depth > 1 else []
    return Node(value, children)


assert list(walk(complete(3, 2))) == [0, 1, 2, 3, 4, 5, 6]
assert list(walk(complete(6, 3))) == list(range(364))
