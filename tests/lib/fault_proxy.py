"""A fault-injecting TCP proxy between retrain and a real service (standard library only).

    proxy = FaultProxy("127.0.0.1", 7687)          # listens on a free loopback port
    proxy.set("down")                               # then "slow", "reset", "garbage", "pass", ...
    proxy.port, proxy.stats()

Modes (each applies to the connections open when it is set and to every new one):
  pass      bytes forwarded unchanged
  down      the port refuses connections (the listener is closed; open connections are closed)
  slow      every chunk from the service reaches the client `delay` seconds late
  reset     connections are reset (RST through SO_LINGER 0), new ones at once
  garbage   new connections get malformed bytes and are closed; open ones are closed
For plain-HTTP services (http=True) also:
  http5xx   every request is answered 503/500/502 in turn, with a text body
  badjson   every request is answered 200 with a body that is not JSON
Works for any protocol in pass/down/slow/reset/garbage: Bolt, TLS (kube-apiserver), HTTP.
For an HTTPS service, give tls_server (an ssl.SSLContext with a certificate the client trusts)
and tls_client (the context to reach the service with, e.g. with its client certificate): the
proxy then ends TLS on both sides, so http5xx and badjson reach inside it too.
"""
import itertools
import select
import socket
import ssl
import struct
import threading
import time

MODES = ("pass", "down", "slow", "reset", "garbage", "http5xx", "badjson")


def _rst(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class FaultProxy:
    def __init__(self, upstream_host, upstream_port, http=False, delay=3.0, port=0,
                 tls_server=None, tls_client=None):
        self.upstream = (upstream_host, upstream_port)
        self.http = http
        self.tls_server = tls_server
        self.tls_client = tls_client
        self.delay = delay
        self.mode = "pass"
        self._lock = threading.Lock()
        self._conns = set()  # (client, upstream) pairs open now
        self._stop = False
        self._counts = {m: 0 for m in MODES}  # connections or requests that met each mode
        self._status = itertools.cycle((503, 500, 502))
        self._listener = None
        self.port = port
        self._listen()

    # ---- control -------------------------------------------------------------------------
    def set(self, mode, delay=None):
        if mode not in MODES or (mode in ("http5xx", "badjson") and not self.http):
            raise ValueError(f"unknown mode {mode}")
        with self._lock:
            self.mode = mode
            if delay is not None:
                self.delay = delay
            conns = list(self._conns)
        if mode == "down":
            self._unlisten()
        elif self._listener is None:
            self._listen()
        # Open connections meet the fault too (except under pass and slow, which act on them).
        if mode in ("down", "garbage", "http5xx", "badjson"):
            for c, u in conns:
                self._close_pair(c, u)
                self._count(mode)
        elif mode == "reset":
            for c, u in conns:
                _rst(c)
                _rst(u)
                self._count(mode)

    def stats(self):
        with self._lock:
            return dict(self._counts, open=len(self._conns), mode=self.mode)

    def close(self):
        self._stop = True
        self._unlisten()
        with self._lock:
            conns = list(self._conns)
        for c, u in conns:
            self._close_pair(c, u)

    # ---- internals -----------------------------------------------------------------------
    def _count(self, mode):
        with self._lock:
            self._counts[mode] += 1

    def _listen(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for _ in range(50):  # the port of a closed listener may take a moment to be free
            try:
                s.bind(("127.0.0.1", self.port))
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise OSError(f"fault proxy: cannot listen on port {self.port} again")
        s.listen(128)
        self.port = s.getsockname()[1]
        self._listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _unlisten(self):
        s, self._listener = self._listener, None
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self, listener):
        while not self._stop:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _close_pair(self, c, u):
        for s in (c, u):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def _serve(self, client):
        mode = self.mode
        if mode == "down":
            self._count(mode)
            return client.close()
        if mode == "reset":
            self._count(mode)
            return _rst(client)
        if mode == "garbage":
            self._count(mode)
            try:
                client.sendall(b"\x00\xffHTTP/9.9 \xde\xad\xbe\xef not a reply\r\n\x17\x03\x03\x00\x02\x99")
            except OSError:
                pass
            return client.close()
        if self.tls_server is not None:
            try:
                client.settimeout(10)
                client = self.tls_server.wrap_socket(client, server_side=True)
                client.settimeout(None)
            except (OSError, ssl.SSLError):
                return client.close()
        if mode in ("http5xx", "badjson"):
            return self._answer_http(client, mode)
        try:
            upstream = socket.create_connection(self.upstream, timeout=10)
            if self.tls_client is not None:
                upstream = self.tls_client.wrap_socket(upstream, server_hostname=self.upstream[0])
            upstream.settimeout(None)
        except (OSError, ssl.SSLError):
            return _rst(client)
        with self._lock:
            self._conns.add((client, upstream))
        try:
            self._pump(client, upstream)
        finally:
            with self._lock:
                self._conns.discard((client, upstream))
            self._close_pair(client, upstream)

    def _pump(self, client, upstream):
        socks = [client, upstream]
        while not self._stop:
            try:
                ready, _, _ = select.select(socks, [], [], 1.0)
            except (OSError, ValueError):
                return
            for s in ready:
                try:
                    data = s.recv(65536)
                    # Decrypted bytes TLS already holds do not wake select: take them now.
                    while data and isinstance(s, ssl.SSLSocket) and s.pending():
                        data += s.recv(s.pending())
                except OSError:
                    return
                if not data:
                    return
                if s is upstream and self.mode == "slow":
                    self._count("slow")
                    time.sleep(self.delay)
                try:
                    (client if s is upstream else upstream).sendall(data)
                except OSError:
                    return

    def _answer_http(self, client, mode):
        client.settimeout(10)
        try:
            buf = b""
            while b"\r\n\r\n" not in buf:
                chunk = client.recv(65536)
                if not chunk:
                    return client.close()
                buf += chunk
            head, _, rest = buf.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v.strip() or 0)
            while len(rest) < length:
                chunk = client.recv(65536)
                if not chunk:
                    break
                rest += chunk
            self._count(mode)
            if mode == "http5xx":
                with self._lock:
                    status = next(self._status)
                body, ctype = b"upstream unavailable (injected)", b"text/plain"
            else:
                status, body, ctype = 200, b'{"experiment": {"experiment_id": "1", "run', b"application/json"
            reason = {200: b"OK", 500: b"Internal Server Error", 502: b"Bad Gateway",
                      503: b"Service Unavailable"}[status]
            client.sendall(b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                           b"Connection: close\r\n\r\n%s" % (status, reason, ctype, len(body), body))
        except OSError:
            pass
        finally:
            client.close()
