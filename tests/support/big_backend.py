"""An MCP server whose one tool, `big`, answers with a message of exactly `size` bytes, to test the gateway's
limits on what a backend sends: over stdio the size counts the line's newline, over HTTP it is the body.

Usage: big_backend.py stdio
       big_backend.py http PORT_FILE   (listens on 127.0.0.1, writes its port to PORT_FILE once listening)
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def answer(msg, overhead):
    """The JSON text answering one message, None for a notification."""
    if "id" not in msg:
        return None
    method = msg["method"]
    if method == "tools/call":
        size = int(msg["params"]["arguments"]["size"])
        head = '{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"' % json.dumps(msg["id"])
        tail = '"}]}}'
        return head + "x" * (size - overhead - len(head) - len(tail)) + tail
    if method == "initialize":
        result = {"protocolVersion": msg["params"]["protocolVersion"], "capabilities": {"tools": {}},
                  "serverInfo": {"name": "big", "version": "1"}}
    elif method == "tools/list":
        result = {"tools": [{"name": "big", "inputSchema": {"type": "object"}}]}
    else:
        result = {}
    return json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result})


def serve_stdio():
    for line in sys.stdin:
        text = answer(json.loads(line), overhead=1)
        if text is not None:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        text = answer(json.loads(self.rfile.read(length)), overhead=0)
        if text is None:
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # no server-initiated stream
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def serve_http(port_file):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        serve_stdio()
    else:
        serve_http(sys.argv[2])
