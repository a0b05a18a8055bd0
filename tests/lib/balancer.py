"""A TCP load balancer in front of several `retrain serve` replicas, standing in for a
Kubernetes Service: each new connection goes to the next backend in turn that accepts one, so
callers (the CLI, workers reporting events) reach some live replica while others are killed.
Threads and sockets only; no third-party packages."""
import socket
import threading


class Balancer:
    def __init__(self, backends):
        self.backends = list(backends)  # [(host, port)]
        self._next = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(256)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _connect(self):
        with self._lock:
            order = [(self._next + i) % len(self.backends) for i in range(len(self.backends))]
            self._next = (self._next + 1) % len(self.backends)
        for i in order:
            try:
                return socket.create_connection(self.backends[i], timeout=2)
            except OSError:
                continue
        return None

    def _accept(self):
        while not self._stopped:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        upstream = self._connect()
        if upstream is None:
            client.close()
            return
        upstream.settimeout(None)
        threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
        self._pipe(client, upstream)

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self):
        self._stopped = True
        self._sock.close()
