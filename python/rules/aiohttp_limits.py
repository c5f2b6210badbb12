# What aiohttp answers to an oversized request, to a handler that raises and with a status
# of the handler's, which the chapter "IO multiplexing" sets beside pycoro::web's
# (tests/web.rs). tests/cpython.rs runs this file where
# aiohttp is installed (pip install aiohttp): every assert is checked.
import asyncio
import logging
import sys

try:
    from aiohttp import web
except ImportError:
    print("SKIPPED: aiohttp is not installed", file=sys.stderr)
    sys.exit(0)

logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)   # it logs each refusal


async def index(request):
    return web.Response(text="<h1>Index Page</h1>", content_type="text/html")


async def reads(request):
    await request.read()
    return web.Response(text="read")


async def ignores(request):
    return web.Response(text="ignored")


async def fails(request):
    raise ValueError("bad")


async def created(request):
    return web.Response(text="made", status=201)


async def answer(port, request):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    reply = await reader.read()          # aiohttp closes the connection after an error
    writer.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].split(b" ", 1)[1].decode(), body.decode()


def get(headers):
    return b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + b"\r\n"


def post(path, body):
    return (b"POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
            % (path, len(body)) + body)


async def main():
    app = web.Application()
    app.add_routes([web.get("/", index), web.post("/reads", reads), web.post("/ignores", ignores),
                    web.get("/fails", fails), web.get("/created", created)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]

    # One header line over 8,190 bytes: 400, not 431, with the reason in the body.
    status, body = await answer(port, get(b"X: " + b"a" * 70_000 + b"\r\n"))
    assert status == "400 Bad Request", status
    assert body.startswith("Got more than 8190 bytes when reading"), body
    # A head over 8 KiB made of short lines is accepted.
    status, _ = await answer(port, get(b"".join(b"X%d: %s\r\n" % (i, b"a" * 100) for i in range(100))))
    assert status == "200 OK", status
    # More than 128 headers: 400.
    status, body = await answer(port, get(b"".join(b"X%d: a\r\n" % i for i in range(128))))
    assert (status, body) == ("400 Bad Request", "Too many headers received"), (status, body)
    # A body over 1 MiB is refused only by a handler that reads it.
    big = b"a" * (2 * 1024 * 1024)
    assert (await answer(port, post(b"/reads", big)))[0] == "413 Request Entity Too Large"
    assert (await answer(port, post(b"/ignores", big)))[0] == "200 OK"

    # A handler that raises: 500, with aiohttp's words (and the error logged).
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL + 1)
    fails_request = b"GET /fails HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    status, body = await answer(port, fails_request)
    assert (status, body) == ("500 Internal Server Error",
                              "500 Internal Server Error\n\nServer got itself in trouble"), body
    # Any status is sent with its reason phrase (Python's http.HTTPStatus).
    created_request = b"GET /created HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    assert (await answer(port, created_request)) == ("201 Created", "made")

    await runner.cleanup()


asyncio.run(main())
