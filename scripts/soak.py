#!/usr/bin/env python3
"""A soak: the gateway under a steady load with session churn for MINUTES (default 10), on loopback: clients
call a stdio server, an HTTP server and a server behind the example WASM repository guard, while others open
sessions, use them, abandon some and delete the rest. Every minute it samples the gateway's RSS, fds and
threads and the calls' p99; the run passes when, from minute 2 on, RSS grows by less than 10%, fds
and threads stay within a few of minute 2's, p99 stays within 3x of minute 2's, and every call got its answer.
Prints a markdown report (docs/RELIABILITY.md keeps them). Not for CI: it takes the minutes it says.

  scripts/soak.py [--minutes 10] [--rate 30]
"""
import argparse
import os
import sys
import tempfile
import threading
import time

from mcp_load import (BIN, GUARDS, KEY, Load, Session, finish, free_port, percentile, proc_stats, start_gateway,
                      start_http_demo)


def churn(port, stop, counts):
    """Sessions opened, used, then deleted or abandoned (left to the idle timeout), one after another."""
    n = 0
    while not stop.is_set():
        n += 1
        route = ("plain", "web", "guarded")[n % 3]
        try:
            s = Session(port, route, f"churn-{n % 40}")
            status, answers = s.call("echo" if route != "guarded" else "list_issues",
                                     {"message": "churn"} if route != "guarded" else
                                     {"owner": "acme", "repo": "website"}, 12)
            if status != 200 or len(answers) != 1:
                counts["failed"] += 1
            if n % 4:
                s.conn.request("DELETE", f"/mcp/{route}", headers=s.headers())
                deleted = s.conn.getresponse()
                deleted.read()
                counts["deleted" if deleted.status in (200, 204) else "failed"] += 1
            else:
                counts["abandoned"] += 1
            s.conn.close()
        except Exception:  # noqa: BLE001 - counted, the soak goes on
            counts["failed"] += 1
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=float, default=30, help="calls per second per loaded server")
    opts = ap.parse_args()
    work = tempfile.mkdtemp(prefix="awmg-soak-")
    web_port = free_port()
    web = start_http_demo(web_port)
    demo = os.path.join(BIN, "awmg-demo-server")
    toml = (f'[gateway]\napi_key = "{KEY}"\nstartup_timeout = 10\ntool_timeout = 10\n'
            f'[servers.plain]\ncommand = "{demo}"\n'
            f'[servers.web]\ntype = "http"\nurl = "http://127.0.0.1:{web_port}/mcp"\n'
            f'[servers.guarded]\ncommand = "{demo}"\nguard = "repos"\n'
            f'[guards.repos]\ntype = "wasm"\npath = "{GUARDS}/repo_guard.wasm"\n'
            'policy = { "allow-only" = { repos = "public", "min-integrity" = "none" } }\n')
    # Sessions idle for 30 s end (the abandoned ones), so the churn reaches a steady state within the run.
    os.environ["MCP_GATEWAY_SESSION_TIMEOUT"] = "30s"
    gw, port = start_gateway(work, toml, [])
    loads = {"plain": Load(port, "plain", 2, opts.rate), "web": Load(port, "web", 2, opts.rate),
             "guarded": Load(port, "guarded", 2, opts.rate / 3, tool="list_issues",
                             args={"owner": "acme", "repo": "website"})}
    for load in loads.values():
        load.start()
    stop = threading.Event()
    counts = {"deleted": 0, "abandoned": 0, "failed": 0}
    churner = threading.Thread(target=churn, args=(port, stop, counts), daemon=True)
    churner.start()
    samples = []
    start = time.time()
    for minute in range(1, int(opts.minutes) + 1):
        time.sleep(max(0.0, start + 60 * minute - time.time()))
        lat = [r[1] * 1000 for load in loads.values() for r in load.records if r[0] >= time.time() - 60]
        samples.append(dict(proc_stats(gw.pid), minute=minute, calls=len(lat), p99=percentile(lat, 0.99)))
        print(f"minute {minute}: {samples[-1]}", file=sys.stderr)
    stop.set()
    for load in loads.values():
        load.end()
    churner.join(timeout=20)
    bad = [r for load in loads.values() for r in load.records if r[2] not in ("ok", "error")]
    errors = sum(1 for load in loads.values() for r in load.records if r[2] == "error")
    total = sum(len(load.records) for load in loads.values())

    failures = []
    print(f"## Soak, {time.strftime('%Y-%m-%d')}\n")
    print(f"`scripts/soak.py --minutes {opts.minutes:g} --rate {opts.rate:g}`: a stdio server and an HTTP server at "
          f"{opts.rate:g} calls/s each, a server behind the repository WASM guard at {opts.rate / 3:g}/s, and "
          f"session churn (opened, used, deleted or abandoned to a 30 s idle timeout).\n")
    print("| minute | calls | p99 ms | RSS MB | fds | threads |\n|--:|--:|--:|--:|--:|--:|")
    for s in samples:
        print(f"| {s['minute']} | {s['calls']} | {s['p99']:.1f} | {s['rss_mb']:.1f} | {s['fds']} | {s['threads']} |")
    print(f"\n{total} calls: {errors} error results, {len(bad)} without exactly one answer; churn: "
          f"{counts['deleted']} sessions deleted, {counts['abandoned']} abandoned, {counts['failed']} failed.")
    if len(samples) >= 3:
        ref, last = samples[1], samples[-1]
        if last["rss_mb"] > ref["rss_mb"] * 1.10:
            failures.append(f"RSS grew from {ref['rss_mb']:.1f} to {last['rss_mb']:.1f} MB")
        if max(s["fds"] for s in samples[1:]) > ref["fds"] + 16:
            failures.append(f"fds grew from {ref['fds']} to {max(s['fds'] for s in samples[1:])}")
        if max(s["threads"] for s in samples[1:]) > ref["threads"] + 4:
            failures.append(f"threads grew from {ref['threads']} to {max(s['threads'] for s in samples[1:])}")
        if max(s["p99"] for s in samples[1:]) > 3 * ref["p99"] + 5:
            failures.append(f"p99 went from {ref['p99']:.1f} to {max(s['p99'] for s in samples[1:]):.1f} ms")
    if bad:
        failures.append(f"{len(bad)} calls without exactly one answer ({sorted(set(r[2] for r in bad))})")
    if counts["failed"]:
        failures.append(f"{counts['failed']} churned sessions failed")
    finish(gw, [web], work, failures)


if __name__ == "__main__":
    main()
