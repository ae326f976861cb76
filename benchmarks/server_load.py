"""A sheet of ``KOSTRA.AVVIK`` cells recalculated through the xlwings Server face, on loopback.

Starts ``kostra server`` on 127.0.0.1 (a free port, ``--arbeidere 1`` by default) as a child process
and recalculates ``--cells`` (default 1 000) ``KOSTRA_AVVIK`` cells, new arguments in every repeat
(so no answer comes from a cache a user would not have), two ways:

* **batch** (the add-in now): the calls of one recalculation collected and posted together, as the
  add-in's JavaScript does (Office's batching pattern; at most ``MAX_BATCH_CLIENT`` calls per request),
  answered from the table. **Target: ≤ 1 s for 1 000 cells with one worker.**
* **per cell** (baseline, the add-in before issue 18): one request per cell, ``--concurrency``
  (default 8) at a time, as xlwings Server's own custom-functions code posts them.

Each repeat's time runs from the first request sent to the last answer read (the client's JSON work
included). Every answer is checked against the table (``FUNCTIONS["KOSTRA_AVVIK"].call``). Prints
medians over ``--repeats`` and the ratio batch / per cell. Every request goes to 127.0.0.1 only; the
run is bounded in count and time, and the server is stopped at the end. Needs the ``server`` extra::

    python benchmarks/server_load.py [--cells 1000] [--repeats 5] [--concurrency 8]

Licence: the server is started with XLWINGS_LICENSE_KEY=noncommercial (PolyForm Noncommercial, which
covers a municipality's use) unless a key is already set in the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import xlwings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kostra_functions.addin_web import MAX_BATCH_CLIENT
from kostra_functions.excel.functions import FUNCTIONS
from kostra_functions.excel.server_guard import CALL_PATH
from kostra_functions.server_batch import BATCH_PATH

TARGET_SECONDS = 1.0
FRESH = itertools.count()


def sheet(cells: int) -> list[tuple[Any, ...]]:
    """``cells`` rows of the deviation template's KOSTRA_AVVIK arguments, new in every call of this."""
    start = next(FRESH) * cells
    rows = []
    for i in range(start, start + cells):
        budget = 1_000_000 + 137.25 * i
        actual = 0.48 * budget + (i % 97) * 11.5
        method = ("periodisert", "lineær", "profil")[i % 3]
        basis = budget / 2 if method == "periodisert" else (0.5 if method == "profil" else None)
        rows.append((budget, actual, 6, method, basis, 1000.0 * (i % 5), 250.0 * (i % 7), 0.0, "oslo_bydel"))
    return rows


def packed(args: tuple[Any, ...]) -> list[Any]:
    """The arguments as Office.js sends them: each a 2-D list, a blank one ``null``."""
    return [None if v is None else [[v]] for v in args]


def single_body(args: tuple[Any, ...]) -> dict[str, Any]:
    return {"client": "Office.js", "func_name": "KOSTRA_AVVIK", "args": packed(args),
            "caller_address": "[Avvik.xlsx]Ark1!H7", "session_id": "bench", "culture_info_name": "nb-NO",
            "date_format": "dd.mm.yyyy", "version": xlwings.__version__, "runtime": "1.4"}


def expected(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [[[FUNCTIONS["KOSTRA_AVVIK"].call(*r)]] for r in rows]


async def per_cell(client: httpx.AsyncClient, rows: list[tuple[Any, ...]], concurrency: int) -> list[Any]:
    results: list[Any] = [None] * len(rows)
    todo = iter(range(len(rows)))

    async def worker() -> None:
        for i in todo:
            r = await client.post(CALL_PATH, json=single_body(rows[i]))
            results[i] = r.json().get("result")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


async def batched(client: httpx.AsyncClient, rows: list[tuple[Any, ...]]) -> list[Any]:
    results: list[Any] = []
    for start in range(0, len(rows), MAX_BATCH_CLIENT):
        part = rows[start:start + MAX_BATCH_CLIENT]
        body = {"client": "Office.js", "runtime": "1.4",
                "calls": [{"func_name": "KOSTRA_AVVIK", "args": packed(a)} for a in part]}
        r = await client.post(BATCH_PATH, json=body)
        results.extend(a.get("result") for a in r.json()["results"])
    return results


async def measure(base: str, cells: int, repeats: int, concurrency: int,
                  deadline: float) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"batch": [], "per cell": []}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        await batched(client, sheet(20))  # warm up: imports, code lists and rule set loaded once
        for _ in range(repeats):
            for name in times:
                if time.monotonic() > deadline:
                    return times
                rows = sheet(cells)
                want = expected(rows)
                start = time.perf_counter()
                if name == "batch":
                    got = await batched(client, rows)
                else:
                    got = await per_cell(client, rows, concurrency)
                times[name].append(time.perf_counter() - start)
                wrong = sum(1 for g, w in zip(got, want, strict=True) if g != w)
                if wrong:
                    raise SystemExit(f"{name}: {wrong} of {cells} answers differ from the table")
    return times


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--workers", type=int, default=1,
                        help="server worker processes (kostra server --arbeidere)")
    args = parser.parse_args()
    if not (1 <= args.cells <= 100_000 and 1 <= args.repeats <= 50 and 1 <= args.concurrency <= 64
            and 1 <= args.workers <= 8):
        parser.error("--cells 1..100000, --repeats 1..50, --concurrency 1..64, --workers 1..8")

    port = free_port()
    env = dict(os.environ)
    env.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kostra_functions.cli", "server", "--host", "127.0.0.1", "--port", str(port),
         "--logg", "advarsel", "--arbeidere", str(args.workers)],
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
        print(f"xlwings {xlwings.__version__}; {args.cells} KOSTRA_AVVIK cells per recalculation, "
              f"{args.repeats} repeats, {args.workers} server worker(s), loopback {base}")
        times = asyncio.run(measure(base, args.cells, args.repeats, args.concurrency,
                                    time.monotonic() + args.max_seconds))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    med = {k: statistics.median(v) for k, v in times.items() if v}
    for name, values in times.items():
        if not values:
            continue
        line = (f"{name:9s} median {med[name]:7.3f} s  [{min(values):.3f}–{max(values):.3f}, n={len(values)}]"
                f"  {args.cells / med[name]:8.0f} cells/s")
        if name == "batch":
            ok = med[name] <= TARGET_SECONDS
            line += f"  target ≤ {TARGET_SECONDS:g} s: {'met' if ok else 'NOT met'}"
        print(line)
    if "batch" in med and "per cell" in med:
        print(f"batch / per cell: {med['batch'] / med['per cell']:.3f} "
              f"({med['per cell'] / med['batch']:.0f}× faster); every answer equal to the table's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
