"""Benchmark: the stakeholder app in a real browser: first paint, filter changes, concurrency.

Usage:  .venv/bin/python bench/serve_latency.py --warehouse duckdb:////tmp/dm-bench/serve-1m.duckdb
        [--tabs dashboard service_quality help_desk customer_experience health business]
        [--changes 20] [--sessions 20] [--session-changes 5] [--think 10] [--repeats 3]
        [--cold-repeats 1] [--skip-cold]

The warehouse must exist (build one with bench/business_scale.py; the README's numbers used
1,000,000 tickets). The script runs `deskmetrics serve` (staff token, a pool of one preheated
kernel per tab) and Debian's Chromium through Playwright, and prints:

1. first paint per tab from a warm pool, --repeats loads of each (median and worst): time from
   navigation to the first frame painted with the first data visual (the KPI tiles on the
   Dashboard, the segments chart drawn on Health, the first panel chart drawn elsewhere),
   measured in the page; the same as the driver saw it (checked on every frame, then across
   processes: a little later); and to the whole page. Each load waits until the pool has
   refilled and the machine is quiet again;
2. the same from a cold start, --cold-repeats loads (a second server with no pool: the kernel
   starts on request);
3. filter change latency on the Dashboard: choose another client, time until the trend chart
   shows the new client's numbers (p50, p95), once the pool has replaced the page's kernel;
4. --sessions browser sessions at once on the Dashboard, each changing the client
   --session-changes times with a random pause of up to 2 x --think seconds between changes
   (a reader looking at the page): p50, p95 and max latency over all changes;
5. memory per kernel (resident set size, and unique set size where the OS reports it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
import psutil
from playwright.async_api import async_playwright
from playwright.sync_api import sync_playwright

from deskmetrics.reports.printer import CHROMIUM_ARGS
from deskmetrics.serving import serve_command

CHROMIUM = os.environ.get("DESKMETRICS_CHROMIUM", "/usr/bin/chromium")
TABS = ("dashboard", "service_quality", "help_desk", "customer_experience", "health", "business")
FIRST_VISUAL = {"dashboard": ".dm-kpis", "health": ".dm-health-segments .js-plotly-plot"}
TOKEN = "bench-" + secrets.token_urlsafe(16)
HEADERS = {"Authorization": f"token {TOKEN}"}
CLIENT_FILTER = ".dm-filter-client select, .dm-filter-client input"
LOAD_TIMEOUT_MS = 180_000
OPEN_TIMEOUT_MS = 900_000
OPEN_AT_ONCE = 4
# the trend chart's numbers, to see when a filter change has reached it
TREND = "() => JSON.stringify([...document.querySelectorAll('.js-plotly-plot')].map(g => g.data && g.data.map(t => t.y)))"


def start_server(
    warehouse: str, pool_size: int, folder: Path
) -> tuple[subprocess.Popen, str, Path]:
    port = _free_port()
    log = folder / f"serve-pool{pool_size}.log"
    env = dict(
        os.environ,
        DESKMETRICS_WAREHOUSE=warehouse,
        DESKMETRICS_SECRET_KEY=secrets.token_urlsafe(48),
        DESKMETRICS_STAFF_TOKEN=TOKEN,
        DESKMETRICS_ACCESS_DB=f"sqlite:///{folder / 'access.sqlite'}",
    )
    proc = subprocess.Popen(
        serve_command(port, pool_size=pool_size),
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{base}/login", timeout=1)
            return proc, base, log
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit(f"the app did not start; see {log}")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kernels(server: subprocess.Popen) -> list[psutil.Process]:
    return [p for p in psutil.Process(server.pid).children(recursive=True) if _is_kernel(p)]


def _is_kernel(proc: psutil.Process) -> bool:
    try:
        return "ipykernel" in " ".join(proc.cmdline())
    except psutil.Error:  # a kernel shutting down (gone, or a zombie until Voilà reaps it)
        return False


def wait_quiet(
    server: subprocess.Popen,
    expected_kernels: int,
    timeout: float = 600,
    replacing: frozenset[int] = frozenset(),
) -> None:
    """Until the pool holds its kernels, one of them new if ``replacing`` (the kernels' process
    ids before a page took one) is given, and they (and the server) have stopped working."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs = kernels(server)
        renewed = not replacing or any(p.pid not in replacing for p in procs)
        if len(procs) >= expected_kernels and renewed:
            busy = sum(_cpu(p) for p in [*procs, psutil.Process(server.pid)])
            if busy < 10:  # percent of one core, summed
                return
        time.sleep(1)
    print(f"warning: the app was still busy after {timeout:.0f} s", file=sys.stderr)


def _cpu(proc: psutil.Process) -> float:
    try:
        return proc.cpu_percent(interval=0.5)
    except psutil.Error:
        return 0.0


# in the page: navigation start to the first frame after the first visual is on the page (a
# chart: drawn); the driver's own wait for it, across processes, lands later on a busy machine
PAINT_MARK = """
new MutationObserver((_, observer) => {
  if (!document.querySelector(%s)) return;
  observer.disconnect();
  requestAnimationFrame(() => setTimeout(() => { window.__dmPainted = performance.now(); }));
}).observe(document, { subtree: true, childList: true, attributes: true });
"""


def _visual(tab: str) -> str:
    return FIRST_VISUAL.get(tab, ".js-plotly-plot").replace(
        ".js-plotly-plot", ".js-plotly-plot[data-drawn]"
    )


def first_paint(context, base: str, tab: str) -> tuple[float, float, float]:
    """(painted, seen by the driver, whole page) in seconds from navigation."""
    page = context.new_page()
    page.add_init_script(PAINT_MARK % json.dumps(_visual(tab)))
    started = time.perf_counter()
    page.goto(f"{base}/voila/render/{tab}.ipynb", wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    # checked on every frame: wait_for_selector polls every 500 ms after its first tries, which
    # would add up to half a second to what the driver saw
    page.wait_for_function(
        f"() => document.querySelector({json.dumps(_visual(tab))}) !== null",
        polling="raf",
        timeout=LOAD_TIMEOUT_MS,
    )
    seen = time.perf_counter() - started
    painted = page.wait_for_function("() => window.__dmPainted", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_load_state("load", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jupyter-widgets')]"
        ".every(e => !e.innerText.includes('Loading widget'))",
        timeout=LOAD_TIMEOUT_MS,
    )
    whole = time.perf_counter() - started
    page.close(run_before_unload=True)  # as a reader closing the tab: Voilà frees the kernel
    return painted.json_value() / 1000, seen, whole


Paints = dict[str, list[tuple[float, float, float]]]


def paint_table(base, server, tabs, pooled: bool, repeats: int) -> Paints:
    """Each tab ``repeats`` times in one browser context (a returning reader: the browser's
    cache holds the app's scripts and plotly after the first page); ``first visit`` is that
    first page, once. One load is one sample on a machine shared with the server and kernels,
    so the table gives the median and the worst."""
    results: Paints = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(extra_http_headers=HEADERS)
        visits = [("first visit", "dashboard")] + [(t, t) for t in tabs for _ in range(repeats)]
        taken: frozenset[int] = frozenset()
        for row, tab in visits:
            if pooled:  # the last page's kernel replaced, or this load would start one cold
                wait_quiet(server, len(TABS), replacing=taken)
                taken = frozenset(p.pid for p in kernels(server))
            results.setdefault(row, []).append(first_paint(context, base, tab))
        browser.close()
    if pooled:
        wait_quiet(server, len(TABS), replacing=taken)
    return results


async def _client_options(page) -> list[str]:
    return await page.locator(".dm-filter-client option").evaluate_all(
        "options => options.map(o => o.value)"
    )


def busy_clients(warehouse: str, count: int = 40) -> list[str]:
    """The names of the clients with the most tickets in the Dashboard's default 30 days: two
    of them never draw the same trend, so a change always shows (many quiet clients draw the
    same empty chart)."""
    from sqlalchemy import func, select

    from deskmetrics.schema.tables import clients, tickets
    from deskmetrics.warehouse.engine import Warehouse

    with Warehouse(warehouse).reading() as conn:
        last = conn.execute(select(func.max(tickets.c.created_at))).scalar()
        since = last - timedelta(days=30)
        query = (
            select(clients.c.name)
            .join(tickets, tickets.c.client_id == clients.c.client_id)
            .where(tickets.c.created_at >= since)
            .group_by(clients.c.name)
            .order_by(func.count().desc())
            .limit(count)
        )
        return list(conn.execute(query).scalars())


async def change_latencies(
    page, changes: int, think: float, rng: random.Random, names: list[str]
) -> list[float]:
    # a list of clients (a few hundred at most) or, past that, a search box: type the name
    searching = await page.locator(".dm-filter-client input").count() > 0
    box = page.locator(".dm-filter-client " + ("input" if searching else "select"))
    out = []
    current = None
    for _ in range(changes):
        if think:
            await asyncio.sleep(rng.uniform(0, 2 * think))
        before = await page.evaluate(TREND)
        current = rng.choice([n for n in names if n != current])
        started = time.perf_counter()
        if searching:
            await box.fill(current)
        else:  # ipywidgets shows option spaces as no-break
            await box.select_option(label=current.replace(" ", "\xa0"))
        await page.wait_for_function(
            f"before => ({TREND})() !== before", arg=before, timeout=LOAD_TIMEOUT_MS, polling=20
        )
        out.append((time.perf_counter() - started) * 1000)
    return out


async def sessions_run(
    base: str, sessions: int, changes: int, think: float, seed: int, names: list[str]
):
    rng = random.Random(seed)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        for _ in range(sessions):
            context = await browser.new_context(extra_http_headers=HEADERS)
            pages.append(await context.new_page())
        # readers arrive a few at a time: each page beyond the pool starts and builds a kernel
        opening = time.perf_counter()
        for at in range(0, len(pages), OPEN_AT_ONCE):
            batch = pages[at : at + OPEN_AT_ONCE]
            address = f"{base}/voila/render/dashboard.ipynb"
            await asyncio.gather(*(p.goto(address, timeout=OPEN_TIMEOUT_MS) for p in batch))
            await asyncio.gather(
                *(p.wait_for_selector(CLIENT_FILTER, timeout=OPEN_TIMEOUT_MS) for p in batch)
            )
        print(f"  {sessions} pages open after {time.perf_counter() - opening:.0f} s", flush=True)
        await asyncio.sleep(5)
        started = time.perf_counter()
        runs = await asyncio.gather(
            *(
                change_latencies(p, changes, think, random.Random(rng.random()), names)
                for p in pages
            )
        )
        wall = time.perf_counter() - started
        await browser.close()
    return [x for run in runs for x in run], wall


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def memory_table(server: subprocess.Popen) -> list[tuple[str, float, float | None]]:
    rows = []
    for proc in kernels(server):
        try:
            info = proc.memory_full_info()
            uss = info.uss / 2**20
        except psutil.Error:
            info, uss = proc.memory_info(), None
        rows.append((str(proc.pid), info.rss / 2**20, uss))
    return rows


def print_paint(title: str, results: Paints) -> None:
    print(
        f"\nFirst paint, {title} (s): from navigation to the first data visual painted "
        "(measured in the page), the same as the test driver saw it, and every chart drawn; "
        "median and worst of the loads"
    )
    print(
        "| tab | loads | painted, median | painted, worst | seen by the driver, median "
        "| seen, worst | whole page, median |"
    )
    print("|---|---|---|---|---|---|---|")
    for tab, loads in results.items():
        painted, seen, whole = zip(*loads, strict=True)
        print(
            f"| {tab} | {len(loads)} | {statistics.median(painted):.2f} | {max(painted):.2f} "
            f"| {statistics.median(seen):.2f} | {max(seen):.2f} | {statistics.median(whole):.2f} |"
        )
    sys.stdout.flush()


def print_latency(title: str, values: list[float]) -> None:
    print(
        f"\n{title}: {len(values)} changes, p50 {pct(values, 0.5):.0f} ms, "
        f"p95 {pct(values, 0.95):.0f} ms, max {max(values):.0f} ms",
        flush=True,
    )


def print_memory(title: str, rows) -> None:
    rss = [r[1] for r in rows]
    uss = [r[2] for r in rows if r[2] is not None]
    print(
        f"\nMemory per kernel, {title} ({len(rows)} kernels): RSS median "
        f"{statistics.median(rss):.0f} MiB, max {max(rss):.0f} MiB"
        + (f"; USS median {statistics.median(uss):.0f} MiB, max {max(uss):.0f} MiB" if uss else "")
        + f"; all kernels {sum(rss):.0f} MiB RSS",
        flush=True,
    )


async def one_session(
    base: str, server: subprocess.Popen, changes: int, seed: int, names: list[str]
) -> list[float]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(extra_http_headers=HEADERS)
        page = await context.new_page()
        await page.goto(f"{base}/voila/render/dashboard.ipynb", timeout=LOAD_TIMEOUT_MS)
        await page.wait_for_selector(CLIENT_FILTER, timeout=LOAD_TIMEOUT_MS)
        # the page took the pool's kernel: let its replacement start and build first, so this
        # times the filter path alone (the sessions phase below times it with the app busy)
        await asyncio.to_thread(wait_quiet, server, len(TABS) + 1)
        out = await change_latencies(page, changes, 0.5, random.Random(seed), names)
        await browser.close()
        return out


def warm_phase(base: str, server, args, names: list[str]) -> None:
    print_paint(
        "warm pool ('first visit': the Dashboard with an empty browser cache; "
        "the tabs follow in the same browser)",
        paint_table(base, server, args.tabs, pooled=True, repeats=args.repeats),
    )
    wait_quiet(server, len(TABS))
    print_memory("idle pool", memory_table(server))
    single = asyncio.run(one_session(base, server, args.changes, args.seed, names))
    print_latency("Filter change to updated chart, one Dashboard session", single)
    wait_quiet(server, len(TABS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--tabs", nargs="+", default=list(TABS), choices=TABS)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--session-changes", type=int, default=5)
    parser.add_argument("--think", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="loads of each tab, warm pool")
    parser.add_argument("--cold-repeats", type=int, default=1, help="loads of each tab, cold")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--skip-warm", action="store_true", help="no first paint, one session")
    args = parser.parse_args()
    names = busy_clients(args.warehouse)
    folder = Path(tempfile.mkdtemp(prefix="dm-serve-bench-"))
    print(f"warehouse {args.warehouse}; {os.cpu_count()} CPUs; logs in {folder}", flush=True)

    server, base, _ = start_server(args.warehouse, 1, folder)
    try:
        wait_quiet(server, len(TABS))
        if not args.skip_warm:
            warm_phase(base, server, args, names)
        if args.sessions:
            many, wall = asyncio.run(
                sessions_run(
                    base, args.sessions, args.session_changes, args.think, args.seed, names
                )
            )
            print_latency(
                f"{args.sessions} Dashboard sessions open, each changing the client "
                f"{args.session_changes} times with pauses up to {2 * args.think:.0f} s "
                f"({wall:.0f} s)",
                many,
            )
            print_memory(f"with {args.sessions} sessions open", memory_table(server))
    finally:
        server.terminate()
        server.wait(timeout=60)
    if not args.skip_cold:
        server, base, _ = start_server(args.warehouse, 0, folder)
        try:
            time.sleep(3)
            print_paint(
                "cold (no pool: the kernel starts on request)",
                paint_table(base, server, args.tabs, pooled=False, repeats=args.cold_repeats),
            )
        finally:
            server.terminate()
            server.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
