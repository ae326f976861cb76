"""Bounded loopback load on the xlwings Server face: calls per second and latency percentiles.

Starts ``kostra server`` on 127.0.0.1 (a free port) as a child process, sends ``--calls`` custom
function calls (default 2 000) from ``--concurrency`` workers (default 8), exactly as Office.js posts
them, and prints throughput and p50/p95/p99 latency. Every request goes to 127.0.0.1 only; the loop
is bounded in count and in time (``--max-seconds``) and stops the server at the end.

Two mixes are measured: ``repeat`` (the same few calls over and over, as a recalculating workbook
does: answered from the row cache) and ``varied`` (a new year/function combination per call where
the table allows it). Needs the ``server`` extra. Not a test: run it by hand::

    python benchmarks/server_load.py [--calls 2000] [--concurrency 8]

Licence: the server is started with XLWINGS_LICENSE_KEY=noncommercial (PolyForm Noncommercial, which
covers a municipality's use) unless a key is already set in the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx
import xlwings

CALL = "/xlwings/custom-functions-call"


def body(name: str, *args: Any) -> dict[str, Any]:
    from kostra_functions.excel.functions import FUNCTIONS

    fixed = [a for a in FUNCTIONS[name].args if not a.repeating]
    packed = [None if v is None else [[v]] for v in args] + [None] * (len(fixed) - len(args))
    return {"client": "Office.js", "func_name": name, "args": packed, "caller_address": "[Bok1]Ark1!A1",
            "session_id": "bench", "culture_info_name": "nb-NO", "date_format": "dd.mm.yyyy",
            "version": xlwings.__version__, "runtime": "1.4"}


def mixes() -> dict[str, list[dict[str, Any]]]:
    repeat = [
        body("KOSTRA_NAVN", 202, 2023),
        body("KOSTRA_OMRADE", 253, 2023),
        body("KOSTRA_FUNKSJON", "10100.330.215.93159"),
        body("KOSTRA_GYLDIG", 254, 2024),
    ]
    varied = []
    for i in range(400):
        year = 2023 + i % 4
        code = (100, 110, 120, 201, 202, 213, 221, 222, 253, 254, 256, 261, 281, 283, 285)[i % 15]
        varied.append(body("KOSTRA_NAVN", code, year))
        varied.append(body("KOSTRA_FUNKSJON", f"{10100 + i}.330.{code}.93159"))
    return {"repeat": repeat, "varied": varied}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_load(base: str, bodies: list[dict[str, Any]], calls: int, concurrency: int,
                   max_seconds: float) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures = 0
    counter = iter(range(calls))
    deadline = time.monotonic() + max_seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for i in counter:
            if time.monotonic() > deadline:
                return
            start = time.perf_counter()
            r = await client.post(CALL, json=bodies[i % len(bodies)])
            latencies.append(time.perf_counter() - start)
            if r.status_code != 200 or "result" not in r.json():
                failures += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return elapsed, latencies, failures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=1,
                        help="server worker processes (kostra server --arbeidere)")
    args = parser.parse_args()
    if not (1 <= args.calls <= 100_000 and 1 <= args.concurrency <= 64 and 1 <= args.workers <= 8):
        parser.error("--calls must be 1..100000, --concurrency 1..64 and --workers 1..8")

    port = free_port()
    env = dict(os.environ)
    env.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kostra_functions.cli", "server", "--host", "127.0.0.1", "--port", str(port),
         "--logg-niva", "warning", "--arbeidere", str(args.workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                print(proc.stderr.read() if proc.stderr else "", file=sys.stderr)
                return 1
            try:
                if httpx.get(base + "/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        print(f"xlwings {xlwings.__version__}, {args.calls} calls per mix, {args.concurrency} concurrent, "
              f"{args.workers} server worker(s), loopback {base}")
        for name, bodies in mixes().items():
            elapsed, lat, failures = asyncio.run(
                run_load(base, bodies, args.calls, args.concurrency, args.max_seconds))
            ms = [x * 1000 for x in lat]
            print(f"{name:7s} {len(lat) / elapsed:8.0f} calls/s   p50 {percentile(ms, 50):6.1f} ms   "
                  f"p95 {percentile(ms, 95):6.1f} ms   p99 {percentile(ms, 99):6.1f} ms   "
                  f"mean {statistics.fmean(ms):6.1f} ms   failures {failures}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
