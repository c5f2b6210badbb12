#!/usr/bin/env python3
"""The substrates benchmark as ratios, a table and a chart, with CPython beside it.

Reads criterion's results for the `substrates` group, times CPython's generator
`send` in the same producer/consumer shape, prints the ratios and the issue's goals,
and writes what the book shows:

    book/src/generated/substrates.json       the figures
    book/src/generated/substrates-table.md   the table ({{#include}}d by the chapter)
    book/src/generated/substrates-chart.svg  the chart

Regenerate all three with:

    cargo bench --bench substrates && python3 scripts/substrates_chart.py

`--reuse-criterion` takes the Rust figures from the last substrates.json instead of
target/criterion (for a change to the CPython side alone); CPython is timed again.
"""
import html
import json
import pathlib
import platform
import sys
import timeit

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "target" / "criterion" / "substrates"
OUT = ROOT / "book" / "src" / "generated"

SUBSTRATES = ["nightly", "genawaiter", "corosensei"]


def criterion_means():
    if not RESULTS.is_dir():
        sys.exit(f"no results under {RESULTS}: run `cargo bench --bench substrates` first")
    means = {}
    for estimates in RESULTS.glob("*/new/estimates.json"):
        means[estimates.parent.parent.name] = json.loads(estimates.read_text())["mean"]["point_estimate"]
    return means


# One small-int addition: a number goes in and one comes back, as on the Rust side, and
# the figure is the switch and the interpreter, not arithmetic. (Rust's `n * 3 + 1` on a
# u64, written in Python as `(n * 3 + 1) & 0xFFFFFFFFFFFFFFFF`, grows past 2**30 within
# twenty sends, and CPython then works on multi-digit integers at every step.)
CPYTHON_BODY = "n + 1"

CPYTHON_CONSUMER = f"""
def consumer():
    r = 0
    while True:
        n = yield r
        r = {CPYTHON_BODY}
c = consumer()
next(c)
"""


def cpython_send_ns():
    """Nanoseconds per `c.send(n)` round trip in CPython: the best of 5 runs."""
    number = 1_000_000
    runs = timeit.repeat("n = send(n)", setup=CPYTHON_CONSUMER + "send = c.send; n = 0",
                         repeat=5, number=number)
    return min(runs) / number * 1e9


def cpython_call_ns():
    setup = f"def consume(n):\n    return {CPYTHON_BODY}\nn = 0"
    number = 1_000_000
    return min(timeit.repeat("n = consume(n)", setup=setup, repeat=5, number=number)) / number * 1e9


def fmt_ns(ns):
    if ns >= 1000:
        return f"{ns / 1000:.1f} µs"
    return f"{ns:.1f} ns"


def table(m, py_send, py_call):
    call = m["function_call"]
    ping = m["thread_ping_pong"]
    rows = ["| substrate | `send` round trip | × function call | thread ping-pong ÷ `send` "
            "| create, first resume, drop | `send` through 3 levels |",
            "|---|---|---|---|---|---|",
            f"| plain function call (the floor) | {fmt_ns(call)} | 1.0× | | | |"]
    for s in SUBSTRATES:
        send = m[f"send_{s}"]
        rows.append(f"| {s} | {fmt_ns(send)} | {send / call:.1f}× | {ping / send:,.0f}× "
                    f"| {fmt_ns(m[f'create_resume_drop_{s}'])} | {fmt_ns(m[f'chain_of_3_{s}'])} |")
    rows.append(f"| CPython {platform.python_version()} generator | {fmt_ns(py_send)} "
                f"| {py_send / py_call:.1f}× a Python call ({fmt_ns(py_call)}) | {ping / py_send:,.0f}× | | |")
    rows.append(f"| two OS threads, std channels | {fmt_ns(ping)} | {ping / call:,.0f}× | 1× | | |")
    return "\n".join(rows) + "\n"


def chart(bars):
    """A horizontal bar chart on a log scale: one bar per (label, ns)."""
    import math
    width, left, right, bar_h, gap, top = 760, 250, 110, 22, 10, 40
    lo, hi = 0, math.ceil(math.log10(max(ns for _, ns, _ in bars)))
    plot_w = width - left - right
    height = top + len(bars) * (bar_h + gap) + 40

    def x(ns):
        return left + (math.log10(max(ns, 1)) - lo) / (hi - lo) * plot_w

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
           f'<text x="{left}" y="20" font-weight="bold">One switch there and back '
           f'(ns, log scale; shorter is cheaper)</text>']
    for p in range(lo, hi + 1):
        px = x(10 ** p)
        label = f"{10 ** p:,} ns" if p < 3 else f"{10 ** (p - 3):,} µs"
        out.append(f'<line x1="{px:.1f}" y1="{top - 6}" x2="{px:.1f}" y2="{height - 30}" stroke="#ccc"/>')
        out.append(f'<text x="{px:.1f}" y="{height - 12}" text-anchor="middle" fill="#555">{label}</text>')
    for i, (label, ns, colour) in enumerate(bars):
        y = top + i * (bar_h + gap)
        out.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end">{html.escape(label)}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{max(x(ns) - left, 1):.1f}" height="{bar_h}" fill="{colour}"/>')
        out.append(f'<text x="{x(ns) + 6:.1f}" y="{y + bar_h * 0.7:.1f}">{fmt_ns(ns)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if "--reuse-criterion" in sys.argv[1:]:
        m = json.loads((OUT / "substrates.json").read_text())["criterion_mean_ns"]
    else:
        m = criterion_means()
    missing = [k for k in ["function_call", "thread_ping_pong"] + [f"send_{s}" for s in SUBSTRATES] if k not in m]
    if missing:
        sys.exit(f"missing results: {missing}")
    py_send, py_call = cpython_send_ns(), cpython_call_ns()
    call, ping = m["function_call"], m["thread_ping_pong"]

    print("substrates (baseline: function_call)")
    for name, mean in sorted(m.items(), key=lambda item: item[1]):
        print(f"  {name:<32} {mean:12.2f} ns   {mean / call:9.2f}x")
    print(f"  {'cpython_generator_send':<32} {py_send:12.2f} ns   {py_send / call:9.2f}x")
    print("goals")
    goals = [("nightly send within 3x of a function call", m["send_nightly"] / call, 3),
             ("genawaiter send within 10x", m["send_genawaiter"] / call, 10),
             ("corosensei send within 10x", m["send_corosensei"] / call, 10)]
    for name, ratio, limit in goals:
        print(f"  {'ok  ' if ratio <= limit else 'MISS'} {name}: {ratio:.2f}x")
    for s in SUBSTRATES:
        ratio = ping / m[f"send_{s}"]
        print(f"  {'ok  ' if ratio >= 1000 else 'MISS'} {s} at least 1000x cheaper than the thread ping-pong: {ratio:,.0f}x")

    OUT.mkdir(parents=True, exist_ok=True)
    figures = {"criterion_mean_ns": {k: round(v, 3) for k, v in sorted(m.items())},
               "cpython": {"version": platform.python_version(), "send_ns": round(py_send, 3),
                           "call_ns": round(py_call, 3)}}
    (OUT / "substrates.json").write_text(json.dumps(figures, indent=2) + "\n")
    (OUT / "substrates-table.md").write_text(table(m, py_send, py_call))
    bars = [("function call", call, "#999"),
            ("nightly coroutine", m["send_nightly"], "#c0392b"),
            ("genawaiter", m["send_genawaiter"], "#2980b9"),
            ("corosensei (stackful)", m["send_corosensei"], "#27ae60"),
            (f"CPython {platform.python_version()} generator", py_send, "#f1c40f"),
            ("two OS threads", ping, "#555")]
    (OUT / "substrates-chart.svg").write_text(chart(bars))
    print(f"wrote {OUT.relative_to(ROOT)}/substrates.json, substrates-table.md, substrates-chart.svg")


if __name__ == "__main__":
    main()
