"""Live-page benchmark: 1000 authenticated sockets on uvicorn + Redis pub/sub, 100 events at
10 per second; writes docs/benchmarks-live.md.

Run with ``make bench`` (or ``.venv/bin/python tests/benchmarks/bench_live.py --output
docs/benchmarks-live.md``). Needs Redis on 127.0.0.1:6379. Everything else happens in a
temporary directory: a SQLite database with the demo data, uvicorn on a free port of 127.0.0.1,
the publisher in a process of its own, as a ``db_worker`` would publish. Every wait is bounded.

Latency = receive time − the time stamped just before the publisher's ``on_commit`` send; the
server, the client and the publisher share this host's clock. Memory per connection = (server
RSS with every socket − RSS with the warm-up sockets) / the sockets added.

Not a test module: pytest collects ``test_*.py`` only.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import uvloop

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
SOCKETS, WARM, EVENTS, INTERVAL = 1000, 20, 100, 0.1
HANDSHAKES_AT_ONCE = 100
RUN_TIMEOUT = 120  # seconds, per run
GRACE = 30  # seconds after the last event for deliveries
TARGET_P99_MS = 300
VIEWER = "hp.council.m01"
YEAR = 2024

PUBLISHER = """
import json, sys, time
import django
django.setup()
from django.db import transaction
from notifications.events import live_group, publish
from workflows.models import Organisation
group = live_group("board", Organisation.objects.get(code="hp").pk, {year})
# A worker is a long-lived process: its first send opens the Redis connection and imports the
# layer. That warm-up event (number -1) is not counted.
for number in range(-1, {events}):
    started = time.monotonic()
    with transaction.atomic():
        publish("bench.event", groups=[group], data={{"n": number, "sent_at": time.time()}},
                audit=False)
    time.sleep(max(0.0, {interval} - (time.monotonic() - started)))
"""


@dataclass
class Run:
    delivered: int
    expected: int
    latencies_ms: list[float]
    rss_per_socket_kib: float
    handshakes_per_s: float

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def django_env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": str(var_dir),
            "REDIS_URL": REDIS_URL,
            "TASKS_IN_PROCESS_WORKER": "0",
            "DEBUG": "1",
        }
    )
    return env


def manage(env, *command) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout


def session_cookie(env) -> str:
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.test import Client\n"
        f"viewer = get_user_model().objects.get(username='{VIEWER}')\n"
        "client = Client(); client.force_login(viewer)\n"
        "print(client.cookies['sessionid'].value)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]


async def one_run(port: int, server_pid: int, cookie: str, board_path: str, env) -> Run:
    import websockets

    url = f"ws://127.0.0.1:{port}{board_path}"
    headers = {"Cookie": f"sessionid={cookie}", "Origin": f"http://127.0.0.1:{port}"}
    latencies: list[float] = []
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    connections = []

    async def connect():
        async with gate:
            connection = await websockets.connect(url, additional_headers=headers, max_queue=None)
            connections.append(connection)

    async def listen(connection):
        try:
            async for raw in connection:
                received = time.time()
                sent_at, number = _stamp(raw)
                if number < 0:
                    continue
                latencies.append((received - sent_at) * 1000)
        except websockets.ConnectionClosed:
            pass

    await asyncio.gather(*(connect() for _ in range(WARM)))
    warm_rss = rss_kib(server_pid)
    started = time.monotonic()
    await asyncio.gather(*(connect() for _ in range(SOCKETS - WARM)))
    handshakes = (SOCKETS - WARM) / (time.monotonic() - started)
    await asyncio.sleep(1)  # SUBSCRIBE and group joins land
    full_rss = rss_kib(server_pid)
    listeners = [asyncio.create_task(listen(c)) for c in connections]
    publisher = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PUBLISHER.format(year=YEAR, events=EVENTS, interval=INTERVAL),
        cwd=ROOT,
        env=env,
    )
    await asyncio.wait_for(publisher.wait(), timeout=RUN_TIMEOUT - GRACE)
    deadline = time.monotonic() + GRACE
    while len(latencies) < SOCKETS * EVENTS and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    for connection in connections:
        await connection.close()
    await asyncio.gather(*listeners, return_exceptions=True)
    return Run(
        delivered=len(latencies),
        expected=SOCKETS * EVENTS,
        latencies_ms=latencies,
        rss_per_socket_kib=(full_rss - warm_rss) / (SOCKETS - WARM),
        handshakes_per_s=handshakes,
    )


def _stamp(raw) -> tuple[float, int]:
    import json

    message = json.loads(raw)
    return message["sent_at"], message["n"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="Markdown report to write.")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if str(ROOT) not in sys.path:  # run as a script: tests/ is not importable otherwise
        sys.path.insert(0, str(ROOT))
    from tests.fixtures.servers import free_port, wait_until_up

    with tempfile.TemporaryDirectory() as directory:
        env = django_env(Path(directory))
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_demo")
        cookie = session_cookie(env)
        hp = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from workflows.models import Organisation; "
                "print(Organisation.objects.get(code='hp').pk)",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        board_path = f"/ws/board/{hp}/{YEAR}/"
        runs, loads = [], [loadavg()]
        for number in range(args.runs):
            port = free_port()
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "config.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    # As make run and production: compressing two-line JSON events costs more
                    # than it saves (a third of the server's time in a profile).
                    "--ws-per-message-deflate",
                    "false",
                ],
                cwd=ROOT,
                env=env,
            )
            try:
                wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
                # uvloop on the client too, or the client, not the server, sets the pace.
                run = uvloop.run(
                    asyncio.wait_for(
                        one_run(port, server.pid, cookie, board_path, env), RUN_TIMEOUT + 30
                    )
                )
            finally:
                server.terminate()
                server.wait(timeout=30)
            runs.append(run)
            loads.append(loadavg())
            print(
                f"run {number + 1}: {run.delivered}/{run.expected} delivered, "
                f"p50 {run.percentile(0.5):.0f} ms, p99 {run.percentile(0.99):.0f} ms, "
                f"{run.rss_per_socket_kib:.1f} KiB/socket, load {loads[-1]}"
            )
    report = render(runs, loads)
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")


def render(runs: list[Run], loads: list[str]) -> str:
    def median(values):
        return statistics.median(values)

    rows = "\n".join(
        f"| {n} | {r.delivered}/{r.expected} | {r.percentile(0.5):.0f} ms | "
        f"{r.percentile(0.99):.0f} ms | {max(r.latencies_ms, default=0):.0f} ms | "
        f"{r.rss_per_socket_kib:.1f} KiB | {r.handshakes_per_s:.0f}/s |"
        for n, r in enumerate(runs, start=1)
    )
    p99 = median([r.percentile(0.99) for r in runs])
    lost = sum(r.expected - r.delivered for r in runs)
    verdict = "met" if p99 <= TARGET_P99_MS and lost == 0 else "not met"
    return f"""# Live pages: benchmark

`make bench` (`tests/benchmarks/bench_live.py`): {SOCKETS} websockets authenticated by a Django
session on one uvicorn process with the Redis pub/sub channel layer, all watching the Hải Phòng
progress board; a separate process publishes {EVENTS} events at {1 / INTERVAL:.0f} per second
through the event bus (`notifications.events.publish`, sent after commit), as a task worker
would. Server, client, publisher and Redis share the machine's 2 cores. Load average (1 min)
before and after each run: {", ".join(loads)}.

| run | delivered | p50 | p99 | max | server memory per socket | handshakes |
|---|---|---|---|---|---|---|
{rows}

Medians of the runs: p50 {median([r.percentile(0.5) for r in runs]):.0f} ms, p99 {p99:.0f} ms,
{median([r.rss_per_socket_kib for r in runs]):.1f} KiB per socket; {lost} events lost.
Target (p99 ≤ {TARGET_P99_MS} ms, nothing lost): **{verdict}**.
"""


if __name__ == "__main__":
    main()
