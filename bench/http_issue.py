"""Ticket issue over HTTP: one `frontdesk serve` process on SQLite, 8 concurrent kiosks.

    .venv/bin/python bench/http_issue.py [--clients 8] [--tickets 6000] [--seconds 20]
                                         [--gunicorn] [--quick]

Starts the server as a subprocess on a throwaway copy of the demo office (database in a
temporary directory, no printer, daily caps at 999), then each client issues tickets back to
back (closed loop, keep-alive, a kiosk token) spread round-robin over the services, until
--tickets are issued or --seconds pass. The first 100 issues warm up and are not counted.
Prints tickets per second, latency percentiles, errors, and the CPU used by the server and by
the client process (the client must not be what limits the figure).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _server as S  # noqa: E402
import aiohttp  # noqa: E402

WARMUP = 100


async def load(url: str, office: S.Office, clients: int, total: int, seconds: float) -> dict:
    headers = {"Authorization": f"Bearer {office.kiosk_token}"}
    latencies: list[float] = []
    errors: dict[str, int] = {}
    issued = 0
    deadline = 0.0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def one(service: str) -> float | None:
            start = time.perf_counter()
            try:
                async with session.post(
                    f"{url}/api/v1/tickets",
                    json={"service": service, "language": "pl", "print": False},
                ) as response:
                    body = await response.read()
                    if response.status != 201:
                        key = f"HTTP {response.status} {body[:60]!r}"
                        errors[key] = errors.get(key, 0) + 1
                        return None
            except (TimeoutError, aiohttp.ClientError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                return None
            return (time.perf_counter() - start) * 1000

        for i in range(WARMUP):
            await one(office.services[i % len(office.services)])

        counter = 0

        async def client() -> None:
            nonlocal counter, issued
            while counter < total and time.perf_counter() < deadline:
                service = office.services[counter % len(office.services)]
                counter += 1
                ms = await one(service)
                if ms is not None:
                    latencies.append(ms)
                    issued += 1

        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed, "issued": issued}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--tickets", type=int, default=6000, help="at most this many (after warm-up)"
    )
    parser.add_argument("--seconds", type=float, default=20, help="at most this long")
    parser.add_argument("--gunicorn", action="store_true", help="frontdesk serve --gunicorn")
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 tickets, 5 s")
    args = parser.parse_args()
    if args.quick:
        args.tickets, args.seconds = 300, 5
    # The daily caps (999 per service) bound what one office day can hold.
    args.tickets = min(args.tickets, 999 * 8 - WARMUP - 100)
    S.raise_nofile()
    with S.tempdir("frontdesk-bench-issue-") as tmp:
        office = S.prepare_office(S.write_config(tmp))
        server = S.frontdesk_server(office.config, S.free_port(), gunicorn=args.gunicorn)
        with S.running([server]):
            rss_before = server.rss_mb()
            cpu_server = S.tree_cpu_seconds(server.pid)
            cpu_client = resource.getrusage(resource.RUSAGE_SELF)
            result = asyncio.run(load(server.url, office, args.clients, args.tickets, args.seconds))
            cpu_server = S.tree_cpu_seconds(server.pid) - cpu_server
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu_client = (after.ru_utime + after.ru_stime) - (
                cpu_client.ru_utime + cpu_client.ru_stime
            )
            rss_after = server.rss_mb()
    lat, elapsed = result["latencies"], result["elapsed"]
    errors = sum(result["errors"].values())
    mode = "gunicorn" if args.gunicorn else "serve"
    print(f"HTTP ticket issue, frontdesk {mode}, SQLite, {args.clients} concurrent clients")
    print(f"  server at: {S.git_head()}")
    load1, load5, _ = os.getloadavg()
    print(f"  machine load average (1, 5 min): {load1:.1f}, {load5:.1f} on {os.cpu_count()} cores")
    print(f"  {'tickets issued':28} {result['issued']:>9}   in {elapsed:.1f} s")
    print(f"  {'tickets/s':28} {result['issued'] / elapsed:>9.0f}   target >= 500")
    for q in (50, 95, 99):
        target = "   target <= 20" if q == 99 else ""
        print(f"  {f'latency p{q} ms':28} {S.pct(lat, q):>9.2f}{target}")
    print(f"  {'latency max ms':28} {max(lat, default=float('nan')):>9.2f}")
    print(f"  {'errors':28} {errors:>9}")
    for key, count in result["errors"].items():
        print(f"    {count} x {key}")
    print(f"  {'server CPU, % of one core':28} {100 * cpu_server / elapsed:>9.0f}")
    print(f"  {'client CPU, % of one core':28} {100 * cpu_client / elapsed:>9.0f}")
    print(f"  {'server RSS MB before/after':28} {rss_before:>9.0f} / {rss_after:.0f}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
