"""A tiny HTTP proxy in front of the MLflow server that answers 503 (text/plain) while armed.

POST /__flaky/arm?n=N   the next N requests fail with 503 (N=0 disarms)
GET  /__flaky/stats     {"failed": <503s served since the last arm>, "forwarded": <total>}
Everything else is forwarded to the upstream server unchanged.

Usage: python flaky_proxy.py UPSTREAM_URI PORT_FILE
"""
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = urllib.parse.urlparse(sys.argv[1])
LOCK = threading.Lock()
STATE = {"armed": 0, "failed": 0, "forwarded": 0}
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, body, content_type="application/json", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlparse(self.path)
        if url.path == "/__flaky/arm":
            n = int(urllib.parse.parse_qs(url.query).get("n", ["0"])[0])
            with LOCK:
                STATE["armed"], STATE["failed"] = n, 0
            return self._reply(200, "{}")
        if url.path == "/__flaky/stats":
            with LOCK:
                return self._reply(200, json.dumps(STATE))
        with LOCK:
            fail = STATE["armed"] > 0
            if fail:
                STATE["armed"] -= 1
                STATE["failed"] += 1
        if fail:
            return self._reply(503, "Service Unavailable (injected)", "text/plain")
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        with LOCK:
            STATE["forwarded"] += 1
        passed = [(k, v) for k, v in resp.getheaders()
                  if k.lower() not in HOP_HEADERS and k.lower() != "content-type"]
        self._reply(resp.status, data, resp.getheader("Content-Type", "text/plain"), passed)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[2], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
