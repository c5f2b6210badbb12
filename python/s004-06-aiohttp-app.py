# s004-06-aiohttp-app: document 004's app.py (needs `pip install aiohttp`).
# `python3 s004-06-aiohttp-app.py serve` serves it on port 8080 as web.run_app does;
# without arguments it serves on a free port of 127.0.0.1 and prints what a client
# receives for /, /Bob and /Bob/extra: status, content type and body.
import asyncio
import sys

from aiohttp import ClientSession, web


async def index(request):
    text = "<h1>Index Page</h1>"
    return web.Response(text=text, content_type="text/html")


async def hello(request):
    name = request.match_info.get("name", "World")
    text = f"<h1>Hello, {name}</h1>"
    return web.Response(text=text, content_type="text/html")


app = web.Application()

# 添加路由:
app.add_routes([web.get("/", index), web.get("/{name}", hello)])


async def main():
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    async with ClientSession() as s:
        for path in ("/", "/Bob", "/Bob/extra"):
            async with s.get(f"http://127.0.0.1:{port}{path}") as r:
                print(path, r.status, r.headers["Content-Type"], await r.text())
    await runner.cleanup()


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8080
    web.run_app(app, port=port)
else:
    asyncio.run(main())
