#!/usr/bin/env python3
"""A fake GitHub API on loopback for the proxy's tests and benchmark: the REST and GraphQL shapes of the
calls `gh` and the example guard make, over public and private repositories with authors of every
association. Not GitHub: only what the tests need. Usage: fake_github.py PORT_FILE (it binds a free port
and writes it there). GET /_requests lists the requests seen (method, path, authorization)."""
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

REPOS = {
    "octo/public-repo": {"private": False},
    "octo/private-repo": {"private": True},
}
# number, author, REST author_association
AUTHORS = [(1, "octo", "OWNER"), (2, "helper", "CONTRIBUTOR"), (3, "stranger", "NONE"),
           (4, "pusher", "NONE"), (5, "member", "MEMBER")]
PERMISSIONS = {"octo": "admin", "pusher": "write", "member": "write", "helper": "read"}
SEEN = []
SEEN_LOCK = threading.Lock()


def repo_json(name):
    owner, repo = name.split("/")
    private = REPOS[name]["private"]
    return {"id": abs(hash(name)) % 100000, "name": repo, "full_name": name, "owner": {"login": owner},
            "private": private, "visibility": "private" if private else "public",
            "description": "a %s repository" % ("private" if private else "public"),
            "updated_at": "2026-01-01T00:00:00Z"}


def issue_json(name, number, author, association):
    return {"number": number, "title": "issue %d of %s" % (number, name),
            "body": "secret body %d" % number if REPOS[name]["private"] else "body %d" % number,
            "state": "open", "user": {"login": author}, "author_association": association,
            "repository_url": "https://api.github.com/repos/" + name,
            "html_url": "https://github.com/%s/issues/%d" % (name, number)}


def issues(name, count=None):
    if count:
        return [issue_json(name, i + 1, AUTHORS[i % len(AUTHORS)][1], AUTHORS[i % len(AUTHORS)][2])
                for i in range(count)]
    return [issue_json(name, n, a, s) for n, a, s in AUTHORS]


def graphql_node(issue):
    return {"number": issue["number"], "title": issue["title"], "body": issue["body"], "state": "OPEN",
            "url": issue["html_url"], "author": {"login": issue["user"]["login"]},
            "authorAssociation": issue["author_association"], "__typename": "Issue",
            "headRefName": "b", "isDraft": False}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, value, headers=None):
        body = json.dumps(value).encode()
        self.send_response(status)
        merged = {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(body)),
                  "X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999", "X-GitHub-Request-Id": "FAKE:1",
                  "Set-Cookie": "upstream=1"}
        merged.update(headers or {})
        for k, v in merged.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def record(self):
        with SEEN_LOCK:
            SEEN.append({"method": self.command, "path": self.path,
                         "authorization": self.headers.get("Authorization", ""),
                         "user_agent": self.headers.get("User-Agent", ""),
                         "accept": self.headers.get("Accept", "")})
            del SEEN[:-2000]

    def do_GET(self):
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        if path == "/_requests":
            with SEEN_LOCK:
                return self.send_json(200, list(SEEN))
        self.record()
        if path.startswith("/api/v3/"):
            path = path[len("/api/v3"):]
        if path == "/rate_limit":
            return self.send_json(200, {"resources": {}}, {"X-RateLimit-Reset": str(int(time.time()) + 30)})
        if path == "/repos/octo/limited/issues":
            return self.send_json(403, {"message": "API rate limit exceeded"},
                                  {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 30)})
        if path == "/repos/octo/hang/issues":
            time.sleep(120)
            return
        if path == "/repos/octo/garbage/issues":
            body = b"<html>not json</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return self.wfile.write(body)
        if path == "/repos/octo/truncated/issues":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'[{"number":1')
            self.close_connection = True
            return
        if path == "/repos/octo/moved/issues":
            return self.send_json(301, {"message": "Moved Permanently"},
                                  {"Location": "https://api.github.com/repositories/1/issues"})
        if path == "/zen":  # an interim answer first, as GitHub's CDN may send (103 Early Hints)
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n")
            self.wfile.flush()
            time.sleep(0.2)
            return self.send_json(200, {"zen": "Keep it logically awesome."})
        if path == "/meta":  # larger than one read: streamed through
            return self.send_json(200, {"hooks": ["10.0.0.%d/32" % (i % 250) for i in range(200000)]})
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if m:
            return self.repo_get(m.group(1) + "/" + m.group(2), m.group(3) or "", query)
        if path == "/search/repositories":
            q = query.get("q", [""])[0]
            names = [n for n in REPOS if q == "repo:" + n or (not q.startswith("repo:") and q in n)]
            return self.send_json(200, {"total_count": len(names), "incomplete_results": False,
                                        "items": [repo_json(n) for n in names]})
        if path == "/search/issues":
            found = issues("octo/public-repo")[:2] + issues("octo/private-repo")[:1]
            return self.send_json(200, {"total_count": len(found), "incomplete_results": False, "items": found})
        if path == "/user":
            return self.send_json(200, {"login": "octocat"})
        return self.send_json(404, {"message": "Not Found"})

    def repo_get(self, name, rest, query):
        if name not in REPOS:
            return self.send_json(404, {"message": "Not Found"})
        if rest == "":
            return self.send_json(200, repo_json(name))
        if rest == "/issues":
            count = int(query.get("per_page", ["0"])[0]) if "per_page" in query else None
            return self.send_json(200, issues(name, count))
        m = re.fullmatch(r"/issues/(\d+)", rest)
        if m:
            found = [i for i in issues(name) if i["number"] == int(m.group(1))]
            return self.send_json(200, found[0]) if found else self.send_json(404, {"message": "Not Found"})
        if rest == "/pulls":
            return self.send_json(200, [dict(issue_json(name, 9, "octo", "OWNER"), head={"ref": "b"})])
        m = re.fullmatch(r"/collaborators/([^/]+)/permission", rest)
        if m:
            return self.send_json(200, {"permission": PERMISSIONS.get(m.group(1), "none")})
        return self.send_json(404, {"message": "Not Found"})

    def do_POST(self):
        self.record()
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path in ("/graphql", "/api/graphql"):
            return self.graphql(json.loads(body or b"{}"))
        m = re.fullmatch(r"(?:/api/v3)?/repos/([^/]+)/([^/]+)/issues", path)
        if m:
            created = json.loads(body or b"{}")
            return self.send_json(201, {"number": 99, "title": created.get("title", "")})
        return self.send_json(404, {"message": "Not Found"})

    def do_PATCH(self):  # an edit answers with the whole issue, as GitHub's does
        self.record()
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        m = re.fullmatch(r"(?:/api/v3)?/repos/([^/]+/[^/]+)/issues/(\d+)", urlsplit(self.path).path)
        if m and m.group(1) in REPOS:
            found = [i for i in issues(m.group(1)) if i["number"] == int(m.group(2))]
            if found:
                return self.send_json(200, found[0])
        return self.send_json(404, {"message": "Not Found"})

    def graphql(self, request):
        query, variables = request.get("query", ""), request.get("variables") or {}
        if re.search(r"__type\s*\(", query):
            return self.send_json(200, {"data": {"Issue": {"fields": [{"name": "stateReason"}]}}})
        if "viewer" in query:
            return self.send_json(200, {"data": {"viewer": {"login": "octocat"}}})
        name = "%s/%s" % (variables.get("owner", ""), variables.get("repo", variables.get("name", "")))
        if name not in REPOS:
            return self.send_json(200, {"data": {"repository": None},
                                        "errors": [{"type": "NOT_FOUND", "message": "Could not resolve"}]})
        nodes = [graphql_node(i) for i in issues(name)]
        if "issueOrPullRequest" in query:
            number = int(variables.get("number", 0))
            found = [n for n in nodes if n["number"] == number]
            return self.send_json(200, {"data": {"repository": {"hasIssuesEnabled": True,
                                                                "issue": found[0] if found else None}}})
        if "pullRequests" in query:
            prs = [dict(nodes[0], number=9)]
            return self.send_json(200, {"data": {"repository": {"pullRequests": {
                "totalCount": 1, "nodes": prs, "pageInfo": {"hasNextPage": False, "endCursor": None}}}}})
        if "issues" in query:
            return self.send_json(200, {"data": {"repository": {"hasIssuesEnabled": True, "issues": {
                "totalCount": len(nodes), "nodes": nodes,
                "pageInfo": {"hasNextPage": False, "endCursor": None}}}}})
        return self.send_json(200, {"data": {"repository": {"name": name.split("/")[1]}}})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
