"""Benchmark: the leaders' reports at county scale against a pandas groupby peer.

Not a timed test: run by hand, ``python bench/bench_reports.py [--cells N]
[--points N] [--hazards N] [--db PATH]``. In one run it

1. builds a synthetic database (embedded SQLite) with ``bench_map.build_database``
   (N cells of ~80 vertices, N points in four layers), then replaces its
   hazards by ``--hazards`` hazards found over the last ~18 months, each with
   its event log (found → rectifying → awaiting acceptance → closed, some
   rejected once, a few closed and reopened by a re-imported ledger, some
   accepted late in the evening so that the UTC date is not the local one);
2. times geoapp: ``tables.load``, ``reports.page_data`` for the last full
   month and ``tables.bulletin`` for it, each on its own dataset (no
   caching between them), then ``/reports`` and ``/api/reports`` through
   Flask's test client: cold, warm, and after one hazard moved (then
   ``/api/reports/areas`` twice, the second time taking gzip);
3. times the peer in the same run: the per-village figures of that month
   (found, closed, open and overdue at the month's end, total and closed so far,
   rectification rate: half up to four decimals on the exact fraction)
   computed straight from the same rows with pandas (``read_sql`` + groupby
   on the last event on or before the month's end);
4. checks that geoapp and the peer agree on every village's figures (the rate
   exactly, with the villages that differ printed), and prints the times with
   the ratio geoapp / peer.

The peer computes seven figures per village; geoapp's page computes every
figure of every town, village, cell and industry, two months' ranking, a
12-month trend and the overdue list, so a ratio above 1 is expected.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_map  # noqa: E402

from geoapp import create_app  # noqa: E402

TZ = "Asia/Shanghai"


# ---- synthetic hazards with their history -------------------------------------------------


def add_hazards(url: str, n: int, rng, months: int = 18) -> dict:
    """Replace the hazards by ``n`` hazards found over ``months`` months, with event logs."""
    from geoapp.store.database import Database
    from geoapp.store.models import Hazard, HazardEvent, Point

    tz = ZoneInfo(TZ)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(tz).date()
    database = Database(url)
    t0 = time.perf_counter()
    n_events = 0
    with database.transaction() as s:
        s.execute(sa.delete(Hazard))
        ids = np.array(s.scalars(sa.select(Point.id)).all())
        points = rng.choice(ids, n, replace=True)
        span = months * 30
        hazards, events = [], []
        for j in range(n):
            found = today - dt.timedelta(days=int(rng.integers(0, span)))
            major = rng.random() < 0.1
            t = dt.datetime.combine(found, dt.time(9), tz) + dt.timedelta(
                minutes=int(rng.integers(0, 480)))
            log = [(t, "record", None, "open")]
            state = "open"

            def step(days_max, action, to_state, late=False, log=log):
                nonlocal t, state
                t = t + dt.timedelta(days=int(rng.integers(1, days_max)),
                                     minutes=int(rng.integers(0, 120)))
                if late:  # after 00:00 UTC the next local day starts at 16:00 UTC
                    t = t.replace(hour=23, minute=int(rng.integers(0, 60)))
                if t.astimezone(dt.UTC) >= now:
                    return False
                log.append((t, action, state, to_state))
                state = to_state
                return True

            r = rng.random()
            if r < 0.85 and step(15, "start", "rectifying") and r < 0.75 and \
                    step(30, "submit", "awaiting_acceptance"):
                if rng.random() < 0.1:
                    step(10, "reject", "rectifying") and step(10, "submit",
                                                             "awaiting_acceptance")
                if state == "awaiting_acceptance" and r < 0.7 and \
                        step(10, "accept", "closed", late=rng.random() < 0.05):
                    if rng.random() < 0.03 and step(60, "import", "open"):
                        step(20, "start", "rectifying") and step(20, "submit",
                                                                 "awaiting_acceptance") \
                            and step(10, "accept", "closed")
            closed_on = log[-1][0].astimezone(tz).date() if state == "closed" else None
            hazards.append({
                "code": f"R{j:06d}", "point_id": int(points[j]),
                "level": "major" if major else "general",
                "source": ("self_check", "inspection", "public_report")[int(rng.integers(0, 3))],
                "description": "合成隐患（虚构）", "found_on": found,
                "deadline": found + dt.timedelta(days=int(rng.integers(15, 120))),
                "responsible_unit": f"合成单位{j % 500}", "responsible_person": f"责任人{j % 97}",
                "listed": bool(major and rng.random() < 0.3), "state": state,
                "closed_on": closed_on, "version": 1})
            events.append(log)
        s.execute(sa.insert(Hazard), hazards)
        hid = dict(s.execute(sa.select(Hazard.code, Hazard.id)).all())
        rows = [{"hazard_id": hid[h["code"]], "at": at.astimezone(dt.UTC), "actor": "bench",
                 "action": action, "from_state": from_state, "to_state": to_state, "note": ""}
                for h, log in zip(hazards, events, strict=True)
                for at, action, from_state, to_state in log]
        n_events = len(rows)
        s.execute(sa.insert(HazardEvent), rows)
    database.dispose()
    return {"hazards": n, "events": n_events, "seconds": time.perf_counter() - t0}


# ---- the peer -------------------------------------------------------------------------------


def peer(engine, month_start: dt.date, month_end: dt.date) -> tuple[pd.DataFrame, float]:
    """Per-village figures of one month with pandas, straight from the rows."""
    t0 = time.perf_counter()
    with engine.connect() as c:
        hz = pd.read_sql("SELECT h.id, h.found_on, h.deadline, p.cell_code, c.village_id "
                         "FROM hazard h JOIN point p ON p.id = h.point_id "
                         "LEFT JOIN cell c ON c.code = p.cell_code", c)
        ev = pd.read_sql("SELECT id, hazard_id, at, to_state FROM hazard_event", c)
        villages = pd.read_sql("SELECT id AS village_id FROM village", c)
    read = time.perf_counter() - t0
    for col in ("found_on", "deadline"):
        hz[col] = pd.to_datetime(hz[col]).dt.date
    ev["day"] = pd.to_datetime(ev["at"], utc=True, format="ISO8601").dt.tz_convert(TZ).dt.date
    ev = ev.sort_values(["at", "id"])
    # state at the end of the month's last day: that of the last event on or before it
    last = ev[ev["day"] <= month_end].groupby("hazard_id")["to_state"].last()
    hz["state"] = hz["id"].map(last).fillna("open")
    exists = hz["found_on"] <= month_end
    closed_now = hz["state"] == "closed"
    closed_in = ev[(ev["to_state"] == "closed") & (ev["day"] >= month_start)
                   & (ev["day"] <= month_end)]["hazard_id"].unique()
    hz["found"] = (hz["found_on"] >= month_start) & exists
    hz["closed"] = hz["id"].isin(closed_in)
    hz["open"] = exists & ~closed_now
    hz["overdue"] = hz["open"] & (hz["deadline"] < month_end)
    hz["total"] = exists
    hz["closed_total"] = exists & closed_now
    out = (hz.dropna(subset=["village_id"]).astype({"village_id": int})
           .groupby("village_id")[["found", "closed", "open", "overdue", "total", "closed_total"]]
           .sum())
    out = villages.set_index("village_id").join(out).fillna(0).astype(int)
    # the rule as docs/domain.md states it: closed ÷ found, half up to four decimals on the
    # exact fraction (integers); pandas' round(4) rounds the float ×10⁴ half to even, which
    # gave 0.6812 for 109 / 160 = 0.68125
    whole = out["total"].where(out["total"] > 0, 1)
    out["rate"] = ((2 * out["closed_total"] * 10_000 + whole) // (2 * whole) / 10_000) \
        .where(out["total"] > 0)
    return out, read, time.perf_counter() - t0


def ours_by_village(page: dict) -> pd.DataFrame:
    rows = [{"village_id": v["id"], "found": v["hazards"]["found"],
             "closed": v["hazards"]["closed"], "open": v["hazards"]["open"],
             "overdue": v["hazards"]["overdue"], "total": v["hazards"]["total"],
             "closed_total": v["hazards"]["closed_total"],
             "rate": v["hazards"]["rectification_rate"]}
            for v in page["areas"]["villages"]]
    return pd.DataFrame(rows).set_index("village_id").sort_index()


CPU: dict = {}  # the CPU seconds of the last timed call (this thread's), by name of fn


def timed(fn, *args, **kw):
    t0, c0 = time.perf_counter(), time.thread_time()
    out = fn(*args, **kw)
    CPU["last"] = time.thread_time() - c0  # what it cost, whatever else the machine runs
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", type=int, default=10_000)
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--hazards", type=int, default=30_000)
    ap.add_argument("--vertices", type=int, default=80)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--db", help="keep the synthetic database at this path (reused if it exists)")
    ap.add_argument("--profile", help="write a cProfile of load + page_data to this file")
    args = ap.parse_args()


    from geoapp.domain import periods
    from geoapp.reports import page as reports
    from geoapp.reports import tables

    rng = np.random.default_rng(args.seed)
    folder = tempfile.mkdtemp(prefix="geoapp-bench-reports-")
    path = args.db or os.path.join(folder, "bench.sqlite3")
    url = f"sqlite:///{path}"
    if not os.path.exists(path):
        built = bench_map.build_database(url, args.cells, args.vertices, args.points, rng)
        added = add_hazards(url, args.hazards, rng)
        print(f"synthetic database: {built['cells']:,d} cells, {built['points']:,d} points, "
              f"{added['hazards']:,d} hazards with {added['events']:,d} events "
              f"(built in {built['seconds'] + added['seconds']:.1f} s)")
    else:
        print(f"reusing {path}")

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    database, rules = app.extensions["geoapp.db"], app.extensions["geoapp.rules"]
    today = dt.datetime.now(ZoneInfo(TZ)).date()
    month = periods.previous_month(periods.month_of(today))

    with database.sessions() as s:
        ds, t_load = timed(tables.load, s, rules)
    if args.profile:  # on a dataset of its own: a dataset keeps what it computed
        import cProfile

        with database.sessions() as s:
            cProfile.runctx("reports.page_data(tables.load(s, rules), month, None, month.end)",
                            globals(), {**locals(), "tables": tables}, args.profile)
    with app.test_request_context():
        page, t_page = timed(reports.page_data, ds, month, None, ds.today())
    with database.sessions() as s:
        ds2, t_load2 = timed(tables.load, s, rules)
    _, t_bulletin = timed(tables.bulletin, ds2, month)

    (peer_figures, t_peer_read, t_peer), _ = timed(peer, database.engine, month.start,
                                                  month.end)
    c_peer = CPU["last"]
    ours = ours_by_village(page)
    peer_rows = peer_figures.loc[ours.index]
    agree = True
    for col in ("found", "closed", "open", "overdue", "total", "closed_total"):
        if not (ours[col].to_numpy() == peer_rows[col].to_numpy()).all():
            agree = False
            bad = ours.index[ours[col].to_numpy() != peer_rows[col].to_numpy()]
            print(f"DISAGREE on {col}: villages {list(bad[:5])}")
    # the rate exactly (no tolerance), None on both sides for a village without hazards
    a, b = (r["rate"].astype(float).fillna(-1).to_numpy() for r in (ours, peer_rows))
    bad = ours.index[a != b]
    for v in bad[:10]:
        print(f"DISAGREE on rate: village {v}: {int(ours.at[v, 'closed_total'])} closed of "
              f"{int(ours.at[v, 'total'])}, geoapp {ours.at[v, 'rate']}, "
              f"pandas {peer_rows.at[v, 'rate']}")
    print(f"rectification rate: {len(ours) - len(bad)} of {len(ours)} villages agree"
          f" ({int((ours['total'] == 0).sum())} without hazards)")
    agree = agree and not len(bad)
    print(f"\nper-village figures of {month.month} ({len(ours)} villages, "
          f"{int(ours['found'].sum()):,d} found, {int(ours['closed'].sum()):,d} closed, "
          f"{int(ours['open'].sum()):,d} open, {int(ours['overdue'].sum()):,d} overdue): "
          f"geoapp and pandas {'agree' if agree else 'DISAGREE'}")

    # the web path: cold (first request, no warm start), then a worker with warm start:
    # ready, its first request, warm, after one hazard moved (patched in by the request:
    # the warm-up's periodic refresh is pushed out of the run)
    q = f"?month={month.month}"
    web, cpu = {}, {}
    name = "/reports cold, no warm start (first request builds)"
    resp, web[name] = timed(app.test_client().get, "/reports" + q)
    cpu[name] = CPU["last"]
    assert resp.status_code == 200
    app.extensions["geoapp.db"].dispose()
    # (nothing expires during the run: on a busy machine a build outlasts MAP_CACHE_SECONDS)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WARM_START": True,
                      "WARM_REFRESH_SECONDS": 3600, "MAP_CACHE_SECONDS": 3600})
    client = app.test_client()
    t0 = time.perf_counter()
    while client.get("/healthz/ready").status_code != 200:
        time.sleep(0.05)
    t_ready = time.perf_counter() - t0
    # the default page (what a leader opens; the warm-up computes it)
    for name, url_ in (("/reports, first request after start (worker ready)", "/reports"),
                       ("/reports warm", "/reports" + q),
                       ("/api/reports warm", "/api/reports" + q),
                       ("/api/reports/bulletin", "/api/reports/bulletin" + q)):
        resp, web[name] = timed(client.get, url_)
        cpu[name] = CPU["last"]
        assert resp.status_code == 200, (url_, resp.status_code)
    bench_map.move_one_hazard(app)
    resp, t_moved = timed(client.get, "/reports" + q)
    c_moved = CPU["last"]
    assert resp.status_code == 200
    patches = app.extensions["geoapp.reportcache"].patches
    name = f"/reports after a hazard move (dataset patched: {patches}; " \
        f"{len(resp.data) / 1e6:.1f} MB)"
    web[name], cpu[name] = t_moved, c_moved
    # the area table (every cell's figures: what the load benchmark asks), then again as a
    # client that takes gzip (requests and browsers do)
    for what, headers in (("after the move, then /reports", {}),
                          ("again, gzip accepted", {"Accept-Encoding": "gzip"})):
        resp, seconds = timed(client.get, "/api/reports/areas" + q, headers=headers)
        assert resp.status_code == 200
        name = f"/api/reports/areas {what} ({len(resp.data) / 1e6:.1f} MB sent)"
        web[name], cpu[name] = seconds, CPU["last"]

    ours_total = t_load + t_page
    print("\n| | seconds | ratio geoapp / peer |")
    print("|---|---|---|")
    print(f"| geoapp `tables.load` | {t_load:.2f} | |")
    print(f"| geoapp `page_data` ({month.month}) | {t_page:.2f} | |")
    print(f"| geoapp load + page_data | {ours_total:.2f} | {ours_total / t_peer:.1f} |")
    print(f"| geoapp load + `tables.bulletin` | {t_load2 + t_bulletin:.2f} "
          f"(bulletin {t_bulletin:.2f}) | {(t_load2 + t_bulletin) / t_peer:.1f} |")
    print(f"| pandas peer (read_sql {t_peer_read:.2f} + groupby) | {t_peer:.2f} | |")
    for name, seconds in web.items():
        print(f"| {name} (test client) | {seconds:.2f} (CPU {cpu[name]:.2f}) | |")
    first = "/reports, first request after start (worker ready)"
    first_s, first_c = web[first], cpu[first]
    print(f"\n| goal | measured (CPU) | goal | ratio to goal (time; CPU) |  load average "
          f"{os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print("|---|---|---|---|")
    print(f"| worker ready after start (background build) | {t_ready:.2f} s | | |")
    print(f"| first /reports after start, worker ready | {first_s:.2f} s ({first_c:.2f} s) | "
          f"0.5 s | {first_s / 0.5:.2f}; {first_c / 0.5:.2f} |")
    print(f"| /reports after a hazard move | {t_moved:.2f} s ({c_moved:.2f} s) | 0.5 s | "
          f"{t_moved / 0.5:.2f}; {c_moved / 0.5:.2f} |")
    print(f"| /reports after a move / pandas peer (same run) | {t_moved / t_peer:.2f} × "
          f"({c_moved / c_peer:.2f} ×) | 1.5 × | {t_moved / t_peer / 1.5:.2f}; "
          f"{c_moved / c_peer / 1.5:.2f} |")
    if not args.db:
        shutil.rmtree(folder, ignore_errors=True)
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
