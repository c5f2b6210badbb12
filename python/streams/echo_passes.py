# An echo conversation over a loopback socket, each line stamped with the number of passes
# the loop has made (a callback that schedules itself counts them). tests/io_streams.rs
# runs the same program in pycoro and compares the two traces: both ends of a connection
# take asyncio's passes, so a program that prints from both prints in CPython's order.
import asyncio

n = 0


def tick(loop):
    global n
    n += 1
    loop.call_soon(tick, loop)


async def handle(reader, writer):
    print("server starts at", n)
    while line := await reader.readline():
        print("server got", line, "at", n)
        writer.write(line.upper())
        await writer.drain()
        print("server drained at", n)
    print("server sees EOF at", n)
    writer.close()
    await writer.wait_closed()
    print("server closed at", n)


async def main():
    loop = asyncio.get_running_loop()
    loop.call_soon(tick, loop)
    await asyncio.sleep(0)
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("server started at", n)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    print("client connected at", n)
    for word in [b"a\n", b"bb\n"]:
        writer.write(word)
        await writer.drain()
        print("client sent", word, "at", n)
        print("client got", await reader.readline(), "at", n)
    writer.write_eof()
    print("client eof at", n)
    print("client reads", await reader.read(), "at", n)
    writer.close()
    await writer.wait_closed()
    print("client closed at", n)
    server.close()
    await server.wait_closed()
    print("server closed by main at", n)


asyncio.run(main())
