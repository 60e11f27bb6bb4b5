#!/usr/bin/env python3
"""Faults under load, on loopback, bounded: clients call tools at a steady rate on five servers while the
script hurts some of them, phase by phase:

  baseline        nothing happens
  kill            the `victim` stdio backend's processes get SIGKILL, again and again
  stop            the `victim` processes get SIGSTOP for 3 s, then SIGCONT
  http-down       the HTTP backend `web` is killed and started again 3 s later
  http-garbage    `web`'s port answers every request with bytes that are not HTTP, then the backend returns
  vanish          clients open streamed calls (`sleep`) and drop their connections mid-stream
  guards          calls to servers whose WASM guards trap (`trapper`) and loop (`looper`)
  recovery        nothing happens

Throughout, a fourth server (`noisy`) writes a line that is not JSON before every answer on its stdout.

Every call must get exactly one answer (a result or a clear error) before its deadline; the `steady` server,
never hurt, must keep its latency; the gateway's fds, threads and RSS must come back to where they were.
Prints a markdown report (docs/RELIABILITY.md keeps them) and exits 1 when a check fails.

  scripts/faults.py [--phase-seconds 8] [--rate 20]
"""
import argparse
import json
import os
import signal
import socket
import tempfile
import threading
import time

from mcp_load import (BIN, GUARDS, KEY, SLACK, TOOL_TIMEOUT, Load, Session, free_port, percentile,
                      finish, proc_stats, start_gateway, start_http_demo)


POLICY = '{ "allow-only" = { repos = "public", "min-integrity" = "none" } }'


def vanish(port, count):
    """Streamed calls whose clients drop the connection mid-stream; then their sessions end (DELETE), so the
    agents' backend processes go too."""
    for i in range(count):
        s = Session(port, "steady", f"vanisher-{i}")
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                           "params": {"name": "sleep", "arguments": {"ms": 2000}}})
        raw = socket.create_connection(("127.0.0.1", port))
        head = "".join(f"{k}: {v}\r\n" for k, v in s.headers().items())
        raw.sendall(f"POST /mcp/steady HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}Content-Length: {len(body)}\r\n\r\n"
                    .encode() + body.encode())
        time.sleep(0.1)
        raw.close()
        s.conn.request("DELETE", "/mcp/steady", headers=s.headers())
        s.conn.getresponse().read()
        s.conn.close()


class Garbage:
    """A listener on `port` that answers every connection with bytes that are not HTTP."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            try:
                c.recv(65536)
                c.sendall(b"\x16\x03\x01 this is not HTTP \xff\xfe\r\n\r\n")
            except OSError:
                pass
            c.close()

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phase-seconds", type=float, default=8)
    ap.add_argument("--rate", type=float, default=20, help="calls per second per loaded server")
    opts = ap.parse_args()
    work = tempfile.mkdtemp(prefix="awmg-faults-")

    web_port = free_port()
    web = start_http_demo(web_port)
    pids_file = os.path.join(work, "victim-pids")
    demo = os.path.join(BIN, "awmg-demo-server")
    victim = f"echo $$ >> {pids_file}; exec {demo}"
    toml = (f'[gateway]\napi_key = "{KEY}"\nstartup_timeout = 5\ntool_timeout = {TOOL_TIMEOUT}\n'
            f'[servers.steady]\ncommand = "{demo}"\n'
            f'[servers.victim]\ncommand = "/bin/sh"\nargs = ["-c", {json.dumps(victim)}]\n'
            f'[servers.noisy]\ncommand = "{demo}"\nargs = ["--garbage"]\n'
            f'[servers.web]\ntype = "http"\nurl = "http://127.0.0.1:{web_port}/mcp"\n'
            f'[servers.trapper]\ncommand = "{demo}"\ntool_timeout = 2\nguard = "trap"\n'
            f'[servers.looper]\ncommand = "{demo}"\ntool_timeout = 2\nguard = "loop"\n'
            f'[guards.trap]\ntype = "wasm"\npath = "{GUARDS}/oob.wasm"\npolicy = {POLICY}\n'
            f'[guards.loop]\ntype = "wasm"\npath = "{GUARDS}/loop.wasm"\npolicy = {POLICY}\n')
    gw, port = start_gateway(work, toml, ["--health-interval", "2s"])
    loads = {name: Load(port, name, 2, opts.rate) for name in ("steady", "victim", "web", "noisy")}
    for load in loads.values():
        load.start()
    time.sleep(3)  # warm up: sessions, agents' processes
    baseline_stats = proc_stats(gw.pid)
    phases = []

    def phase(name, action=None):
        start = time.time()
        if action:
            action()
        time.sleep(max(0.0, opts.phase_seconds - (time.time() - start)))
        phases.append((name, start, time.time()))

    def victim_pids():
        """The recorded victims still running (a recycled pid is someone else's: left alone)."""
        alive = []
        for pid in {int(p) for p in open(pids_file).read().split()}:
            try:
                if b"awmg-demo-server" in open(f"/proc/{pid}/cmdline", "rb").read():
                    alive.append(pid)
            except OSError:
                pass
        return alive

    def kill_victims():
        end = time.time() + opts.phase_seconds - 1
        while time.time() < end:
            for pid in victim_pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(2)

    def stop_victims():
        stopped = victim_pids()
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        time.sleep(3)
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass

    def web_down():
        nonlocal web
        web.kill()
        web.wait()
        time.sleep(3)
        web = start_http_demo(web_port)

    def web_garbage():
        nonlocal web
        web.kill()
        web.wait()
        g = Garbage(web_port)
        time.sleep(3)
        g.close()
        web = start_http_demo(web_port)

    guard_loads = {}

    def hostile_guards():
        for name in ("trapper", "looper"):
            guard_loads[name] = Load(port, name, 1, 2, timeout=2)
            guard_loads[name].start()

    phase("baseline")
    phase("kill", kill_victims)
    phase("stop", stop_victims)
    phase("http-down", web_down)
    phase("http-garbage", web_garbage)
    phase("vanish", lambda: vanish(port, 20))
    phase("guards", hostile_guards)
    for load in guard_loads.values():
        load.end()
    phase("recovery")
    for load in loads.values():
        load.end()
    time.sleep(5)  # what the faults left behind settles: sweeps, terminations
    after_stats = proc_stats(gw.pid)
    alive = gw.poll() is None

    failures = []
    print(f"## Faults under load, {time.strftime('%Y-%m-%d')}\n")
    print(f"`scripts/faults.py --phase-seconds {opts.phase_seconds:g} --rate {opts.rate:g}`: three servers loaded "
          f"at {opts.rate:g} calls/s each (two agents apiece), phases of {opts.phase_seconds:g} s.\n")
    print("| phase | server | calls | ok | errors | no answer | over deadline | p50 ms | p99 ms |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    all_loads = dict(loads, **guard_loads)
    steady_p = {}
    for name, start, end in phases:
        for server, load in all_loads.items():
            recs = [r for r in load.records if start <= r[0] < end]
            if not recs:
                continue
            lat = [r[1] * 1000 for r in recs]
            ok = sum(1 for r in recs if r[2] == "ok")
            err = sum(1 for r in recs if r[2] == "error")
            lost = [r for r in recs if r[2] not in ("ok", "error")]
            deadline = (2 if server in ("trapper", "looper") else TOOL_TIMEOUT) + SLACK
            late = sum(1 for r in recs if r[1] > deadline)
            print(f"| {name} | {server} | {len(recs)} | {ok} | {err} | {len(lost)} | {late} | "
                  f"{percentile(lat, 0.5):.1f} | {percentile(lat, 0.99):.1f} |")
            if lost:
                failures.append(f"{name}/{server}: {len(lost)} calls without exactly one answer "
                                f"({sorted(set(r[2] for r in lost))})")
            if late:
                failures.append(f"{name}/{server}: {late} calls answered after their deadline")
            if server == "steady":
                steady_p[name] = percentile(lat, 0.99)
    if steady_p.get("baseline"):
        worst = max(steady_p.values())
        print(f"\n`steady` (never hurt) p99: {steady_p['baseline']:.1f} ms at baseline, worst phase {worst:.1f} ms.")
        if worst > max(10 * steady_p["baseline"], 200):
            failures.append(f"steady's p99 went from {steady_p['baseline']:.1f} ms to {worst:.1f} ms")
    print("\n| gateway | before | after |\n|---|--:|--:|")
    for k in ("fds", "threads", "rss_mb"):
        print(f"| {k} | {baseline_stats[k]:.0f} | {after_stats[k]:.0f} |")
    if after_stats["fds"] > baseline_stats["fds"] + 8:
        failures.append(f"fds grew from {baseline_stats['fds']} to {after_stats['fds']}")
    if after_stats["threads"] > baseline_stats["threads"] + 2:
        failures.append(f"threads grew from {baseline_stats['threads']} to {after_stats['threads']}")
    if after_stats["rss_mb"] > baseline_stats["rss_mb"] * 1.5 + 20:
        failures.append(f"RSS grew from {baseline_stats['rss_mb']:.0f} to {after_stats['rss_mb']:.0f} MB")
    if not alive:
        failures.append("the gateway exited")
    finish(gw, [web], work, failures)


if __name__ == "__main__":
    main()
