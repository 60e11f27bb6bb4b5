"""What scripts/faults.py and scripts/soak.py share: MCP sessions over keep-alive HTTP, clients calling at a
steady rate with every outcome recorded, the gateway's resource counts, loopback ports."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("AWMG_BUILD_DIR", "build"))  # as scripts/build.sh names it
BIN = os.path.join(BUILD, "bin")
GUARDS = os.path.join(BUILD, "guards")
KEY = "faults-key"
TOOL_TIMEOUT = 10  # seconds; a guard's call is bounded by its server's (2 s below)
SLACK = 2.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def proc_stats(pid):
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    status = open(f"/proc/{pid}/status").read()
    threads = int(status.split("Threads:")[1].split()[0])
    rss_kb = int(status.split("VmRSS:")[1].split()[0])
    return {"fds": fds, "threads": threads, "rss_mb": rss_kb / 1024}


class Session:
    """One MCP session on a route, over a keep-alive connection."""

    def __init__(self, port, route, agent):
        self.port, self.route, self.agent = port, route, agent
        self.conn = None
        self.sid = None
        self.next_id = 0
        self.open()

    def headers(self):
        h = {"Authorization": KEY, "Content-Type": "application/json", "X-Agent-ID": self.agent,
             "Accept": "application/json, text/event-stream"}
        if self.sid:
            h["Mcp-Session-Id"] = self.sid
        return h

    def post(self, body, timeout):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        self.conn.timeout = timeout
        if self.conn.sock:
            self.conn.sock.settimeout(timeout)
        try:
            self.conn.request("POST", f"/mcp/{self.route}", json.dumps(body), self.headers())
            r = self.conn.getresponse()
            return r.status, r.getheader("Mcp-Session-Id"), r.read().decode("utf-8", "replace")
        except Exception:
            self.conn.close()
            self.conn = None
            raise

    def open(self):
        _, sid, _ = self.post({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                               "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                          "clientInfo": {"name": "faults", "version": "1"}}}, 10)
        self.sid = sid
        self.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, 10)

    def call(self, tool, arguments, timeout):
        self.next_id += 1
        rid = self.next_id
        status, _, body = self.post({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                                     "params": {"name": tool, "arguments": arguments}}, timeout)
        messages = []
        for line in body.splitlines():
            if line.startswith("data: ") and line[6:].strip():  # (not a priming event's empty data)
                messages.append(json.loads(line[6:]))
        if not messages and body.strip().startswith("{"):
            messages.append(json.loads(body))
        answers = [m for m in messages if m.get("id") == rid and ("result" in m or "error" in m)]
        return status, answers


class Load:
    """Clients calling one server at a steady rate; every call's outcome is recorded."""

    def __init__(self, port, route, agents, rate, tool="echo", args=None, timeout=TOOL_TIMEOUT):
        self.records = []  # (start, seconds, outcome)
        self.stop = threading.Event()
        self.threads = []
        self.in_flight = {}  # agent -> start of the call it waits for
        for i in range(agents):
            t = threading.Thread(target=self.run, args=(port, route, f"{route}-agent-{i}", rate / agents,
                                                         tool, args or {"message": "hi"}, timeout), daemon=True)
            self.threads.append(t)

    def start(self):
        for t in self.threads:
            t.start()

    def run(self, port, route, agent, rate, tool, args, timeout):
        session = None
        period = 1.0 / rate
        next_at = time.time()
        while not self.stop.is_set():
            next_at += period
            start = time.time()
            outcome = "ok"
            self.in_flight[agent] = start
            try:
                if session is None:
                    session = Session(port, route, agent)
                status, answers = session.call(tool, args, timeout + SLACK)
                if status == 404:  # the session ended (a restart does not do that: record it)
                    outcome, session = "session-lost", None
                elif len(answers) != 1:
                    outcome = f"answers={len(answers)}"
                elif "error" in answers[0] or answers[0]["result"].get("isError"):
                    outcome = "error"
            except Exception as e:  # noqa: BLE001 - every failure is an outcome
                outcome = "no-answer:" + type(e).__name__
                session = None
            self.records.append((start, time.time() - start, outcome))
            self.in_flight.pop(agent, None)
            time.sleep(max(0.0, next_at - time.time()))

    def end(self):
        """Stops the clients; a call still unanswered by then (an open stream of keepalives, say) is recorded
        as one that got no answer."""
        self.stop.set()
        for t in self.threads:
            t.join(timeout=TOOL_TIMEOUT + 10)
        for start in list(self.in_flight.values()):
            self.records.append((start, time.time() - start, "no-answer:hung"))


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def start_gateway(work, toml, flags):
    """awmg on `toml` (written to work/awmg.toml) on a free port, logs and cache under `work`; returns the
    process and its port once the client configuration is out."""
    open(os.path.join(work, "awmg.toml"), "w").write(toml)
    port = free_port()
    env = dict(os.environ, MCP_GATEWAY_LOG_DIR=os.path.join(work, "logs"),
               MCP_GATEWAY_WASM_CACHE_DIR=os.path.join(work, "wasm-cache"))
    gw = subprocess.Popen([os.path.join(BIN, "awmg"), "-c", os.path.join(work, "awmg.toml"), "--listen",
                           f"127.0.0.1:{port}"] + flags,
                          stdout=subprocess.PIPE, stderr=open(os.path.join(work, "awmg.err"), "w"), env=env)
    out = b""
    while True:  # ready once the client configuration is out
        out += gw.stdout.read1(65536)
        try:
            json.loads(out)
            return gw, port
        except ValueError:
            if gw.poll() is not None:
                sys.exit("the gateway did not start: " + open(os.path.join(work, "awmg.err")).read())


def finish(gw, others, work, failures):
    """Stops the gateway with SIGTERM (it must exit 0 promptly) and the other processes, prints the verdict, keeps
    `work` only when something failed, and exits 1 then."""
    gw.send_signal(signal.SIGTERM)
    try:
        code = gw.wait(timeout=15)
        if code != 0:
            failures.append(f"the gateway exited {code} on SIGTERM")
    except subprocess.TimeoutExpired:
        gw.kill()
        failures.append("the gateway did not exit on SIGTERM")
    for p in others:
        p.kill()
    print("\n" + ("All checks passed." if not failures else "FAILED:\n" + "\n".join(f"- {f}" for f in failures)))
    if failures:
        print(f"(logs kept in {work})", file=sys.stderr)
    else:
        subprocess.run(["rm", "-rf", work])
    sys.exit(1 if failures else 0)


def start_http_demo(port):
    """The demo server over Streamable HTTP on `port`, once it listens."""
    p = subprocess.Popen([os.path.join(BIN, "awmg-demo-server"), "--http", str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return p
