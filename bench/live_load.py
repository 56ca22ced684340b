"""Live screens under load: N Socket.IO displays connected while tickets are issued and called.

    .venv/bin/python bench/live_load.py [--clients 1000] [--seconds 60] [--rate 50]
        [--call-rate 1] [--desks 4] [--client-procs 2] [--gunicorn]
        [--processes 2 --postgres --redis] [--against both|frontdesk|bare] [--bare] [--quick]

For each target (frontdesk, then the bare Flask-SocketIO app of bench/bare_socketio.py, unless
--against or --bare says otherwise) it starts the server(s) as subprocesses on 127.0.0.1,
connects --clients python-socketio AsyncClients (aiohttp, websocket transport, authenticated
with a display token), spread over --client-procs client processes and over the server
processes. Then for --seconds it issues --rate tickets a second over HTTP (open loop: each
request starts at its scheduled time, and its latency is counted from that time) and clerks
at --desks desks call next and finish, --call-rate calls a second overall. It records:

  * issue and call-next latency, and every error;
  * for each call, the time from sending the call-next request to each client receiving that
    number's `ticket.called` (clocks are the same CLOCK_MONOTONIC across processes);
    p50/p99 over all (call, client) pairs, and pairs that never arrived;
  * connect failures, and clients disconnected during the run (no reconnection: a drop is a
    drop);
  * the server's RSS (the whole process tree, VmRSS) idle, with all clients connected, and
    after the load; the server's CPU during the load;
  * each client process's CPU and event-loop lag during the load, to show it is not the
    bottleneck.

Then it prints one table with a column per target and the ratio frontdesk / bare.
With --processes 2 --postgres --redis it starts PostgreSQL and Redis in a temporary directory
and two server processes sharing the Redis message queue; clients alternate between them and
every call must reach all clients of both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _server as S  # noqa: E402

CONNECT_CONCURRENCY = 50


# --- client processes ---------------------------------------------------------------------


async def client_worker(urls: list[str], count: int, offset: int, token: str) -> None:
    """Connect `count` clients (client i of the whole run goes to urls[i % len(urls)]), report,
    then on "go" record events and loop lag, on "stop" report the figures and disconnect."""
    import aiohttp
    import socketio

    loop = asyncio.get_running_loop()
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    received: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    state = {"stopping": False, "dropped": 0, "recording": False}
    clients = []
    failures: dict[str, int] = {}

    def make_client():
        sio = socketio.AsyncClient(
            reconnection=False, http_session=session, handle_sigint=False, request_timeout=30
        )

        def any_event(event, *args):
            now = time.monotonic()
            counts[event] = counts.get(event, 0) + 1
            if event == "ticket.called" and args and isinstance(args[0], dict):
                received.setdefault(args[0].get("number"), []).append(now)

        def disconnect(*args):
            if not state["stopping"]:
                state["dropped"] += 1

        sio.on("*", any_event)
        sio.on("disconnect", disconnect)
        return sio

    semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def connect(i: int):
        sio = make_client()
        async with semaphore:
            try:
                await sio.connect(
                    urls[(offset + i) % len(urls)],
                    transports=["websocket"],
                    auth={"token": token},
                    wait_timeout=30,
                )
                clients.append(sio)
            except Exception as exc:  # noqa: BLE001 - every kind of failure is counted
                key = f"{type(exc).__name__}: {str(exc)[:80]}"
                failures[key] = failures.get(key, 0) + 1

    started = time.monotonic()
    await asyncio.gather(*(connect(i) for i in range(count)))
    connect_s = time.monotonic() - started
    emit_line({"type": "connected", "connected": len(clients), "failures": failures,
               "connect_s": connect_s})  # fmt: skip

    async def readline() -> str:
        return (await loop.run_in_executor(None, sys.stdin.readline)).strip()

    lags: list[float] = []

    async def lag_monitor():
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.05)
            if state["recording"]:
                lags.append((time.monotonic() - before - 0.05) * 1000)

    monitor = asyncio.create_task(lag_monitor())
    while (await readline()) != "go":
        pass
    counts.clear()
    received.clear()
    dropped_before = state["dropped"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    go_at = time.monotonic()
    state["recording"] = True
    while (await readline()) != "stop":
        pass
    state["recording"] = False
    after = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.monotonic() - go_at
    cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
    still = sum(1 for sio in clients if sio.connected)
    state["stopping"] = True
    emit_line({
        "type": "result",
        "received": received,
        "counts": counts,
        "dropped": state["dropped"] - dropped_before,
        "dropped_before_load": dropped_before,
        "still_connected": still,
        "cpu_pct": 100 * cpu / wall,
        "lag_p99_ms": S.pct(lags, 99),
        "lag_max_ms": max(lags, default=0.0),
    })  # fmt: skip
    monitor.cancel()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(
            asyncio.gather(*(sio.disconnect() for sio in clients), return_exceptions=True), 30
        )
    await session.close()


def emit_line(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class ClientProcess:
    def __init__(self, urls: list[str], count: int, offset: int, token: str):
        command = [sys.executable, __file__, "--worker", json.dumps([urls, count, offset, token])]
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=S.raise_nofile,
        )

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def read(self, kind: str) -> dict:
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"client process ended (exit {self.proc.poll()})")
            with contextlib.suppress(ValueError):
                obj = json.loads(line)
                if obj.get("type") == kind:
                    return obj

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- the load -----------------------------------------------------------------------------


async def drive(urls: list[str], office: S.Office | None, args) -> dict:
    """Issue at a fixed rate and call at desks for args.seconds; return what happened."""
    import aiohttp

    services = office.services if office else ["registration"]
    desks = sorted(office.clerks) if office else list(range(1, args.desks + 1))
    token = office.kiosk_token if office else "bare"
    kiosk = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), headers={"Authorization": f"Bearer {token}"}
    )
    clerks = {}
    for i, desk in enumerate(desks):
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        url = urls[i % len(urls)]
        name = office.clerks[desk] if office else "bare"
        async with session.post(
            f"{url}/api/v1/session", json={"username": name, "password": S.CLERK_PASSWORD}
        ) as response:
            response.raise_for_status()
            csrf = (await response.json()).get("csrf_token")
        if csrf:  # cookie-authenticated writes carry the page's CSRF token
            session.headers["X-CSRFToken"] = csrf
        clerks[desk] = (session, url, asyncio.Lock())
    issue_ms: list[float] = []
    call_ms: list[float] = []
    calls: list[tuple[str, float]] = []  # (number, monotonic time the request was sent)
    errors: dict[str, int] = {}
    empty = 0

    def error(key: str) -> None:
        errors[key] = errors.get(key, 0) + 1

    async def issue(i: int, at: float) -> None:
        url = urls[i % len(urls)]
        try:
            async with kiosk.post(
                f"{url}/api/v1/tickets",
                json={"service": services[i % len(services)], "language": "pl", "print": False},
                timeout=aiohttp.ClientTimeout(total=30),
            ) as response:
                body = await response.read()
                if response.status != 201:
                    error(f"issue HTTP {response.status} {body[:60]!r}")
                    return
        except (TimeoutError, aiohttp.ClientError) as exc:
            error(f"issue {type(exc).__name__}")
            return
        issue_ms.append((time.monotonic() - at) * 1000)

    async def call(k: int) -> None:
        nonlocal empty
        session, url, lock = clerks[desks[k % len(desks)]]
        desk = desks[k % len(desks)]
        async with lock:
            try:
                sent = time.monotonic()
                async with session.post(
                    f"{url}/api/v1/desks/{desk}/call-next", timeout=aiohttp.ClientTimeout(total=30)
                ) as response:
                    if response.status == 204:
                        empty += 1
                        return
                    if response.status != 200:
                        error(f"call-next HTTP {response.status} {(await response.read())[:60]!r}")
                        return
                    ticket = await response.json()
                call_ms.append((time.monotonic() - sent) * 1000)
                calls.append((ticket["number"], sent))
                async with session.post(
                    f"{url}/api/v1/tickets/{ticket['id']}/finish",
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as response:
                    if response.status != 200:
                        error(f"finish HTTP {response.status}")
            except (TimeoutError, aiohttp.ClientError) as exc:
                error(f"call {type(exc).__name__}")

    tasks = []
    start = time.monotonic()
    n_issue = int(args.rate * args.seconds)
    n_call = int(args.call_rate * args.seconds)
    schedule = sorted(
        [(start + i / args.rate, "issue", i) for i in range(n_issue)]
        # Calls start half a period in, so the first desk finds someone waiting.
        + [(start + (k + 0.5) / args.call_rate, "call", k) for k in range(n_call)]
    )
    for at, kind, i in schedule:
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(issue(i, at) if kind == "issue" else call(i)))
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - start
    await asyncio.sleep(2)  # the last calls' events are still on their way
    await kiosk.close()
    for session, _url, _lock in clerks.values():
        await session.close()
    return {
        "issue_ms": issue_ms,
        "call_ms": call_ms,
        "calls": calls,
        "errors": errors,
        "empty": empty,
        "issued": len(issue_ms),
        "elapsed": elapsed,
    }


def run_target(target: str, args) -> dict:
    """Start the servers for one target, connect the clients, drive the load, collect."""
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(S.tempdir(f"frontdesk-bench-live-{target}-"))
        database_url = stack.enter_context(S.postgres()) if args.postgres else None
        redis_url = stack.enter_context(S.redis_server(tmp)) if args.redis else None
        ports = [S.free_port() for _ in range(args.processes)]
        office = None
        if target == "frontdesk":
            config = S.write_config(tmp, database_url=database_url, message_queue_url=redis_url)
            office = S.prepare_office(config, clerk_desks=list(range(1, args.desks + 1)))
            servers = [S.frontdesk_server(config, p, gunicorn=args.gunicorn) for p in ports]
            token = office.display_token
        else:
            servers = []
            for p in ports:
                command = [sys.executable, str(HERE / "bare_socketio.py"), "--port", str(p)]
                if redis_url:
                    command += ["--message-queue", redis_url]
                servers.append(S.Server(command, p, os.environ.copy(), tmp / f"bare-{p}.log", tmp))
            token = "bare"
        stack.enter_context(S.running(servers))
        urls = [s.url for s in servers]

        def rss() -> float:
            return sum(s.rss_mb() for s in servers)

        def cpu() -> float:
            return sum(S.tree_cpu_seconds(s.pid) for s in servers)

        rss_idle = rss()
        procs = []
        per = math.ceil(args.clients / args.client_procs)
        for w in range(args.client_procs):
            count = min(per, args.clients - w * per)
            if count > 0:
                procs.append(ClientProcess(urls, count, w * per, token))
        try:
            connected = [p.read("connected") for p in procs]
            time.sleep(2)  # let the connection burst settle
            rss_connected = rss()
            for p in procs:
                p.send("go")
            cpu_before = cpu()
            load = asyncio.run(drive(urls, office, args))
            server_cpu_pct = 100 * (cpu() - cpu_before) / load["elapsed"]
            rss_after = rss()
            for p in procs:
                p.send("stop")
            results = [p.read("result") for p in procs]
        finally:
            for p in procs:
                p.close()
        # The server's first line of output says what it runs on.
        mode = [f"{target}: {line.strip()}" for line in servers[0].tail(200).splitlines()[:1]]
    n_connected = sum(c["connected"] for c in connected)
    failures: dict[str, int] = {}
    for c in connected:
        for key, n in c["failures"].items():
            failures[key] = failures.get(key, 0) + n
    # Call -> client latency over every (call, connected client) pair.
    pair_ms: list[float] = []
    missed = 0
    for number, sent in load["calls"]:
        times = [t for r in results for t in r["received"].get(number, [])]
        pair_ms.extend((t - sent) * 1000 for t in times)
        missed += max(0, n_connected - len(times))
    events = sum(sum(r["counts"].values()) for r in results)
    return {
        "target": target,
        "note": mode[0] if mode else "",
        "connected": n_connected,
        "failures": failures,
        "connect_s": max(c["connect_s"] for c in connected),
        "dropped": sum(r["dropped"] + r["dropped_before_load"] for r in results),
        "still": sum(r["still_connected"] for r in results),
        "load": load,
        "pair_ms": pair_ms,
        "missed": missed,
        "events_per_s": events / load["elapsed"],
        "rss": (rss_idle, rss_connected, rss_after),
        "server_cpu_pct": server_cpu_pct,
        "client_cpu_pct": max(r["cpu_pct"] for r in results),
        "client_lag_p99": max(r["lag_p99_ms"] for r in results),
        "client_lag_max": max(r["lag_max_ms"] for r in results),
    }


# --- the report ---------------------------------------------------------------------------


def report(runs: list[dict], args) -> None:
    where = f"{args.processes} process{'es' if args.processes > 1 else ''}"
    db = "PostgreSQL" if args.postgres else "SQLite"
    server = "gunicorn" if args.gunicorn else "serve"
    print(
        f"Live load: {args.clients} display clients, {args.rate:g} issues/s and "
        f"{args.call_rate:g} calls/s for {args.seconds:g} s; frontdesk {server}, {where}, {db}"
        f"{', Redis' if args.redis else ''}; {args.client_procs} client processes"
    )
    print(f"  server at: {S.git_head()}")
    print(f"  machine load average at the end (1, 5 min): {os.getloadavg()[0]:.1f}, "
          f"{os.getloadavg()[1]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    for run in runs:
        if run["note"]:
            print(f"  {run['note']}")
    rows: list[tuple[str, list[float], str]] = []

    def row(label: str, fn, target: str = "", ratio: bool = False, fmt: str = "{:.0f}"):
        rows.append((label, [fn(r) for r in runs], target, ratio, fmt))

    row("clients connected", lambda r: r["connected"], f"{args.clients}")
    row("connect failures", lambda r: sum(r["failures"].values()), "0")
    row("connect time s", lambda r: r["connect_s"], "", True, "{:.1f}")
    row("dropped during run", lambda r: r["dropped"], "0")
    row("still connected at end", lambda r: r["still"], f"{args.clients}")
    row("tickets issued", lambda r: r["load"]["issued"], f"{int(args.rate * args.seconds)}")
    row("HTTP errors", lambda r: sum(r["load"]["errors"].values()), "0")
    row("issue p50 ms", lambda r: S.pct(r["load"]["issue_ms"], 50), "", True, "{:.1f}")
    row("issue p99 ms", lambda r: S.pct(r["load"]["issue_ms"], 99), "<= 100", True, "{:.1f}")
    row("calls (call-next 200)", lambda r: len(r["load"]["calls"]), "")
    row("call-next p99 ms", lambda r: S.pct(r["load"]["call_ms"], 99), "", True, "{:.1f}")
    row("call -> client p50 ms", lambda r: S.pct(r["pair_ms"], 50), "", True, "{:.1f}")
    row("call -> client p99 ms", lambda r: S.pct(r["pair_ms"], 99), "<= 250", True, "{:.1f}")
    row("call -> client max ms", lambda r: max(r["pair_ms"], default=math.nan), "", True, "{:.1f}")
    row("(call, client) pairs missed", lambda r: r["missed"], "0")
    row("events received /s, all", lambda r: r["events_per_s"], "", True)
    row("server RSS MB (sum), idle", lambda r: r["rss"][0], "", True)
    row("server RSS MB (sum), connected", lambda r: r["rss"][1], "<= 250", True)
    row("server RSS MB (sum), after", lambda r: r["rss"][2], "<= 250", True)
    row("server CPU % of a core", lambda r: r["server_cpu_pct"], "", True)
    row("client proc CPU % (max)", lambda r: r["client_cpu_pct"], "")
    row("client loop lag p99 ms", lambda r: r["client_lag_p99"], "", False, "{:.1f}")
    row("client loop lag max ms", lambda r: r["client_lag_max"], "", False, "{:.1f}")

    names = [r["target"] for r in runs]
    both = names == ["frontdesk", "bare"]
    header = f"  {'':30}" + "".join(f"{n:>11}" for n in names)
    header += f"{'ratio':>8}" if both else ""
    print(header + f"  {'target'}")
    for label, values, target, ratio, fmt in rows:
        line = f"  {label:30}" + "".join(f"{fmt.format(v):>11}" for v in values)
        if both:
            a, b = values
            shown = f"{a / b:.2f}" if ratio and b and not math.isnan(a / b) else ""
            line += f"{shown:>8}"
        print(line + (f"  {target}" if target else ""))
    for r in runs:
        for key, n in {**r["failures"], **r["load"]["errors"]}.items():
            print(f"  {r['target']}: {n} x {key}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=50, help="ticket issues per second")
    parser.add_argument(
        "--call-rate", type=float, default=1, help="call-next per second, all desks"
    )
    parser.add_argument("--desks", type=int, default=4, help="desks calling (1..8)")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--gunicorn", action="store_true", help="frontdesk serve --gunicorn")
    parser.add_argument("--processes", type=int, default=1, help="server processes")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL in a temp dir")
    parser.add_argument("--redis", action="store_true", help="Redis in a temp dir (message queue)")
    parser.add_argument("--against", choices=["both", "frontdesk", "bare"], default="both")
    parser.add_argument("--bare", action="store_true", help="only the bare app (--against bare)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 100 clients, 10 s")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    S.raise_nofile()
    if args.worker:
        urls, count, offset, token = json.loads(args.worker)
        asyncio.run(client_worker(urls, count, offset, token))
        return 0
    if args.quick:
        args.clients, args.seconds = min(args.clients, 100), min(args.seconds, 10)
    if args.processes > 1 and not args.redis:
        parser.error("several processes need --redis (the message queue)")
    if args.processes > 1 and not args.postgres:
        parser.error("several processes need --postgres")
    targets = {"both": ["frontdesk", "bare"], "frontdesk": ["frontdesk"], "bare": ["bare"]}
    runs = [run_target(t, args) for t in targets["bare" if args.bare else args.against]]
    report(runs, args)
    bad = any(r["dropped"] or r["failures"] or r["load"]["errors"] or r["missed"] for r in runs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
