"""Benchmark: geoapp under load — gunicorn workers on PostGIS, concurrent clients.

Not a timed test: run by hand, ``python bench/bench_load.py [--points N]
[--cells N] [--clients 16] [--seconds 60] [--workers 4] [--threads 1] [--db NAME]
[--rates R,R…]``. In one run it

1. builds a county on PostGIS (``bench_map.build_database``: N cells of ~80
   vertices, N points, hazards on 5 % of them) in a database of its own (kept
   and reused with ``--db NAME``), with an administrator account;
2. serves it with ``gunicorn -w 4`` (``load_app:make()``: the app plus the
   worker's pid in a header) and waits until every worker says ready
   (``/healthz/ready``, geoapp.web.warmup);
3. runs 16 clients (threads, one logged-in ``requests`` session each, keep-alive)
   for the given time, each sending a mix of reads — the map's cells and points,
   a cell, a point, a report — and 5 % hazard writes through the real API
   (a new hazard, or the next step of one it made, CSRF token and all);
4. after each new hazard, asks again on fresh connections until every worker
   has answered, and checks each of them shows the hazard's point among the
   cell's points with an open hazard on the map (the data's fingerprint at work);
5. prints throughput, p50/p95/p99 per route, errors, and the writes seen late.

The first phase is closed: each client sends its next request as soon as the last is
answered, so the server is saturated and, by Little's law, the mean answer time is
clients ÷ throughput whatever the server does per request. ``--rates`` adds one
bounded phase per rate (same clients, same mix, ``--seconds`` each): the clients
together offer R requests a second at random (Poisson) instants, the way users who
read between requests arrive, and each answer's time counts from the instant its
request was due, not from when a busy client got to send it (no coordinated
omission: a server that falls behind shows it in full).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import requests
import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_map  # noqa: E402

ADMIN_URL = os.environ.get("GEOAPP_BENCH_POSTGIS_URL",
                           "postgresql+psycopg://postgres@/postgres?host=/var/run/postgresql")
PASSWORD = "bench-load-Passw0rd"
MIX = {"map cells": 10, "map points": 25, "cell": 25, "point": 25, "report": 10, "write": 5}
READ_GOAL_P95 = 0.050


def database_url(name: str) -> tuple[str, bool]:
    """The URL of database ``name`` (made with PostGIS when missing) and whether it existed."""
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        existed = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": name}) is not None
        if not existed:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return url, existed


def add_admin(url: str) -> None:
    from geoapp.store import accounts
    from geoapp.store.database import Database

    database = Database(url)
    with database.transaction() as s:
        if accounts.find_user(s, "bench_admin") is None:
            accounts.create_user(s, "bench_admin", "admin", PASSWORD)
    database.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--timeout", "120", "--chdir",
         os.path.dirname(os.path.abspath(__file__)), "load_app:make()"],
        env={**os.environ, "GEOAPP_DATABASE_URL": url, "GEOAPP_SECRET_KEY": "bench-load-key",
             "GEOAPP_WARM_START": "1"})
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(base: str, workers: int, limit: float = 1800) -> float:
    """Seconds until ``workers`` distinct workers have answered /healthz/ready with 200."""
    t0, ready = time.perf_counter(), set()
    while len(ready) < workers:
        if time.perf_counter() - t0 > limit:
            raise RuntimeError(f"only {len(ready)} workers ready after {limit} s")
        try:
            r = requests.get(base + "/healthz/ready", headers={"Connection": "close"}, timeout=60)
            if r.status_code == 200:
                ready.add(r.headers["X-Worker"])
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.05)
    return time.perf_counter() - t0


def login(base: str) -> tuple[requests.Session, str]:
    s = requests.Session()
    page = s.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = s.post(base + "/login?next=/api/summary",
               data={"username": "bench_admin", "password": PASSWORD, "csrf_token": token},
               timeout=30)
    assert r.status_code == 200 and r.url.endswith("/api/summary"), r.status_code
    return s, token


class Run:
    """What every client saw: (route, status, seconds, worker) and the visibility checks."""

    def __init__(self, base, cells, points, bounds, month, until, rate=None, clients=16):
        self.base, self.cells, self.points, self.bounds = base, cells, points, bounds
        self.month, self.until = month, until
        self.per_client = None if rate is None else rate / clients  # requests/s, or closed
        self.lock = threading.Lock()
        self.log: list[tuple[str, int, float, str]] = []
        self.cpu: dict[str, list[float]] = collections.defaultdict(list)  # X-Server-CPU, s
        self.checks: list[tuple[int, int]] = []  # (workers seen, workers that did not show it)
        self.errors: collections.Counter = collections.Counter()

    def client(self, seed: int, session: requests.Session, token: str) -> None:
        rng = random.Random(seed)
        routes, weights = list(MIX), list(MIX.values())
        mine: list[list] = []  # hazards this client made: [id, state, ETag (its version)]
        due = time.perf_counter()
        while True:
            if self.per_client is not None:  # bounded: the next request's random instant
                due += rng.expovariate(self.per_client)
                time.sleep(max(0.0, due - time.perf_counter()))
            if time.perf_counter() >= self.until:
                break
            route = rng.choices(routes, weights)[0]
            method, path, body, extra = self.request(route, rng, mine)
            # bounded: timed from the instant it was due, even if this client was still busy
            t0 = time.perf_counter() if self.per_client is None else due
            try:
                r = session.request(method, self.base + path, json=body, timeout=60,
                                    headers={"X-CSRFToken": token, "Accept-Encoding": "gzip",
                                             **extra}, stream=True)
                raw = r.raw.read(decode_content=False)  # gzip stays gzip: the client does less
                seconds = time.perf_counter() - t0
                status, worker = r.status_code, r.headers.get("X-Worker", "?")
                with self.lock:
                    self.cpu[route].append(float(r.headers.get("X-Server-CPU", "nan")) / 1e3)
                r.close()
            except requests.RequestException as exc:
                seconds, status, worker = time.perf_counter() - t0, 0, "?"
                self.errors[f"{route}: {type(exc).__name__}"] += 1
                raw = b""
            with self.lock:
                self.log.append((route, status, seconds, worker))
            if status >= 400 or status == 0:
                with self.lock:
                    self.errors[f"{route}: HTTP {status}"] += 1
                continue
            if route == "write":
                c0 = time.perf_counter()
                self.after_write(session, path, body, raw, mine, r)
                due += time.perf_counter() - c0  # its checks are not the users' load

    def request(self, route: str, rng: random.Random, mine: list) -> tuple:
        """(method, path, JSON body or None, extra headers) of the next request."""
        none: dict = {}
        if route == "map cells":
            return "GET", "/api/map/cells", None, none
        if route == "map points":  # a view of about a village's size, at street zoom
            w, s, e, n = self.bounds
            x, y = rng.uniform(w, e - 0.02), rng.uniform(s, n - 0.02)
            return ("GET", f"/api/map/points?bbox={x},{y},{x + 0.02},{y + 0.02}&zoom=15", None,
                    none)
        if route == "cell":
            return "GET", f"/api/cells/{rng.choice(self.cells)}", None, none
        if route == "point":
            return "GET", f"/api/map/points/{rng.choice(self.points)}", None, none
        if route == "report":
            return "GET", f"/api/reports/areas?month={self.month}", None, none
        step = next((h for h in mine if h[1] in ("open", "rectifying")), None)
        if step is not None and rng.random() < 0.5:  # the next step of a hazard it made
            hazard_id, state, etag = step
            step[1] = "rectifying" if state == "open" else "awaiting_acceptance"
            # the version it last read, as the API asks (If-Match: optimistic locking)
            return "POST", f"/api/hazards/{hazard_id}/transitions", {
                "action": "start" if state == "open" else "submit"}, {"If-Match": etag}
        today = dt.date.today()
        return "POST", f"/api/points/{rng.choice(self.points)}/hazards", {
            "level": "general", "source": "inspection", "description": "压测隐患（虚构）",
            "found_on": today.isoformat(),
            "deadline": (today + dt.timedelta(days=30)).isoformat()}, none

    def after_write(self, session, path, body, raw, mine, response) -> None:
        if path.endswith("/transitions"):  # its new version, for the next step
            hazard_id = int(path.split("/")[3])
            for h in mine:
                if h[0] == hazard_id:
                    h[2] = response.headers.get("ETag", h[2])
            return
        if not path.endswith("/hazards"):
            return
        import gzip
        import json

        if response.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        made = json.loads(raw)
        etag = response.headers.get("ETag") or f'"{made.get("version", 1)}"'
        mine.append([made["id"], "open", etag])
        point_id = int(path.split("/")[3])
        cell = self.cell_of[point_id]
        seen, stale = set(), set()
        for _ in range(60):  # fresh connections, until every worker has answered
            r = session.get(f"{self.base}/api/map/points?cell={cell}&hazard=open",
                            headers={"Connection": "close"}, timeout=60)
            worker = r.headers.get("X-Worker", "?")
            seen.add(worker)
            if point_id not in {row[0] for row in r.json().get("points", [])}:
                stale.add(worker)
            if len(seen) >= self.workers:
                break
        with self.lock:
            self.checks.append((len(seen), len(stale)))

    workers = 4
    cell_of: dict = {}


def workers_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by the master's worker processes (/proc)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:  # ppid
                total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _rates(text: str) -> list[float]:
    try:
        rates = [float(r) for r in text.split(",") if r.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of rates: {text!r}") from None
    if any(r <= 0 for r in rates):
        raise argparse.ArgumentTypeError("rates are requests per second, above 0")
    return rates


def percentiles(values: list[float]) -> tuple[float, float, float]:
    a = np.asarray(values)
    return tuple(float(np.percentile(a, q)) for q in (50, 95, 99))


def drop(name: str) -> None:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--cells", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1, help="gunicorn --threads (default 1)")
    ap.add_argument("--db", help="PostGIS database name to build in and keep (reused if built)")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--rates", type=_rates, default=[],
                    help="after the closed phase, one bounded phase per rate (requests/s, "
                         "comma-separated), --seconds each")
    args = ap.parse_args()

    name = args.db or f"geoapp_bench_load_{os.getpid()}"
    try:
        measure(args, name)
    finally:
        if not args.db:
            drop(name)


def measure(args, name: str) -> None:
    url, existed = database_url(name)
    if existed and args.db:
        print(f"reusing PostGIS database {name}")
    else:
        built = bench_map.build_database(url, args.cells, 80, args.points,
                                         np.random.default_rng(args.seed))
        print(f"synthetic county on PostGIS: {built['cells']:,d} cells, {built['points']:,d} "
              f"points, {built['hazards']:,d} hazards (built in {built['seconds']:.0f} s)")
    add_admin(url)
    engine = sa.create_engine(url)
    with engine.connect() as c:
        cells = list(c.scalars(sa.text("SELECT code FROM cell")))
        cell_of = dict(c.execute(sa.text(
            "SELECT id, cell_code FROM point WHERE cell_code IS NOT NULL")).all())
        points = sorted(cell_of)
        bounds = c.execute(sa.text("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                                   "FROM (SELECT ST_Extent(geom) AS e FROM cell) x")).one()
        n_points = c.scalar(sa.text("SELECT count(*) FROM point"))
    engine.dispose()

    proc, base = serve(url, args.workers, args.threads)
    try:
        ready = wait_ready(base, args.workers)
        print(f"gunicorn -w {args.workers} --threads {args.threads}: every worker ready "
              f"{ready:.1f} s after start ({n_points:,d} points, {len(cells):,d} cells; "
              f"{os.cpu_count()} cores)")
        sessions = [login(base) for _ in range(args.clients)]
        month = dt.date.today().strftime("%Y-%m")
        for rate in [None, *args.rates]:
            run = Run(base, cells, points, tuple(bounds), month, 0, rate, args.clients)
            run.cell_of = cell_of
            run.workers = args.workers
            phase(run, args, sessions, proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def phase(run: Run, args, sessions: list, master: int) -> None:
    """Run the clients for ``--seconds`` and print what they saw."""
    run.until = time.perf_counter() + args.seconds
    t0, cpu0, load0 = time.perf_counter(), workers_cpu(master), os.getloadavg()[0]
    mine0 = time.process_time()  # this process: the clients themselves, on the same cores
    threads = [threading.Thread(target=run.client, args=(i, *sessions[i]))
               for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu, load1 = workers_cpu(master) - cpu0, os.getloadavg()[0]
    clients_cpu = time.process_time() - mine0

    by_route = collections.defaultdict(list)
    for route, _status, seconds, _worker in run.log:
        by_route[route].append(seconds)
    total = len(run.log)
    if run.per_client is None:
        print(f"\nclosed: {args.clients} clients, each asking again as soon as answered")
    else:
        print(f"\nbounded: {args.clients} clients offering {run.per_client * args.clients:g} "
              f"requests/s together (Poisson), times from each request's due instant")
    print(f"{elapsed:.0f} s: {total:,d} requests, "
          f"{total / elapsed:.1f} requests/s (visibility checks not counted); the workers "
          f"used {cpu:.1f} CPU seconds ({cpu / max(total, 1) * 1e3:.1f} ms a request, checks "
          f"included), the clients {clients_cpu:.1f}; load average {load0:.1f} → {load1:.1f} "
          f"on {os.cpu_count()} cores")
    print("\n| route | requests | p50 ms | p95 ms | p99 ms | p95 / goal (50 ms) | "
          "server CPU p50 / p95 ms |")
    print("|---|---|---|---|---|---|---|")
    for route in MIX:
        if by_route[route]:
            p50, p95, p99 = percentiles(by_route[route])
            ratio = f"{p95 / READ_GOAL_P95:.2f}" if route != "write" else ""
            c50, c95, _c99 = percentiles(run.cpu[route])
            print(f"| {route} | {len(by_route[route]):,d} | {p50 * 1e3:.1f} | {p95 * 1e3:.1f} | "
                  f"{p99 * 1e3:.1f} | {ratio} | {c50 * 1e3:.1f} / {c95 * 1e3:.1f} |")
    reads = [s for route, _st, s, _w in run.log if route != "write"]
    if reads:
        p50, p95, p99 = percentiles(reads)
        print(f"| all reads | {len(reads):,d} | {p50 * 1e3:.1f} | {p95 * 1e3:.1f} | "
              f"{p99 * 1e3:.1f} | {p95 / READ_GOAL_P95:.2f} |")
    print("(server CPU: the thread's CPU until the response's headers, X-Server-CPU; "
          "the rest of a request's time is waiting: for a worker, for a core)")
    print(f"\nerrors: {sum(run.errors.values())}" +
          "".join(f"\n  {k}: {v}" for k, v in run.errors.most_common()))
    all_seen = sum(seen >= args.workers for seen, _stale in run.checks)
    late = sum(stale for _seen, stale in run.checks)
    print(f"new hazards checked on every worker: {len(run.checks)} (all {args.workers} workers "
          f"answered for {all_seen}); reads that did not show the write yet: {late}")


if __name__ == "__main__":
    main()
