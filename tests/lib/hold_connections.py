"""Holds many keep-alive HTTP/1.1 connections to a server, each sending a request at a steady
interval, and reports errors and the server's memory and descriptors while they are held.

Used by tests/e2e/test_connections.py (a short run in `make test`) and bench/connections.py
(10,000 connections in `make bench`). asyncio streams; no third-party packages."""
import asyncio
import os
import random
import resource
import time


def raise_fd_limit(needed):
    """Raises this process's soft descriptor limit to the hard one; False when still short."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft >= needed


def proc_status(pid):
    """(VmRSS, VmHWM) in MiB and the number of open descriptors of process `pid`."""
    rss = hwm = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return rss, hwm, len(os.listdir(f"/proc/{pid}/fd"))


async def _read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def _hold(host, port, path, interval, stop, stats, opened):
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as e:
        stats["connect_errors"] += 1
        stats["last_error"] = f"connect: {e}"
        opened.release()
        return
    stats["open"] += 1
    stats["peak_open"] = max(stats["peak_open"], stats["open"])
    opened.release()
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    try:
        await asyncio.sleep(random.uniform(0, interval))  # spread the requests evenly
        while not stop.is_set():
            writer.write(request)
            await writer.drain()
            status = await asyncio.wait_for(_read_response(reader), timeout=30)
            stats["requests"] += 1
            if status != 200:
                stats["http_errors"] += 1
                stats["last_error"] = f"HTTP {status}"
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except asyncio.TimeoutError:
                pass
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as e:
        stats["dropped"] += 1
        stats["last_error"] = f"{type(e).__name__}: {e}"
    finally:
        stats["open"] -= 1
        writer.close()


async def _run(host, port, path, connections, hold_seconds, interval, pid, samples):
    stats = {"open": 0, "peak_open": 0, "requests": 0, "connect_errors": 0, "http_errors": 0,
             "dropped": 0, "last_error": None}
    opened = asyncio.Semaphore(256)  # connects in flight at once (the listen backlog is finite)
    stop = asyncio.Event()
    if pid:
        stats["server_rss_mib_before"], _, stats["server_fds_before"] = proc_status(pid)
    start = time.monotonic()
    tasks = []
    for _ in range(connections):
        await opened.acquire()
        tasks.append(asyncio.create_task(_hold(host, port, path, interval, stop, stats, opened)))
    for _ in range(256):  # the last connects
        await opened.acquire()
    stats["ramp_seconds"] = time.monotonic() - start
    # Every connection is open (or failed): hold them for hold_seconds from now.
    until = time.monotonic() + hold_seconds
    while time.monotonic() < until:
        if pid:
            samples.append(proc_status(pid))
        await asyncio.sleep(1.0)
    stats["held_at_end"] = stats["open"]
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return stats


def hold(host, port, connections, hold_seconds, interval=2.0, path="/healthz", pid=None):
    """Opens `connections` connections, holds them for `hold_seconds` with one request per
    `interval` seconds each, then closes them. Returns the counters and, when `pid` is given,
    the server's peak RSS and descriptors seen during the hold."""
    samples = []
    stats = asyncio.run(_run(host, port, path, connections, hold_seconds, interval, pid, samples))
    if samples:
        stats["server_rss_mib_peak"] = max(s[0] for s in samples)
        stats["server_hwm_mib"] = max(s[1] for s in samples)
        stats["server_fds_peak"] = max(s[2] for s in samples)
    return stats
