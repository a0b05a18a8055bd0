"""Dependency faults under load, shared by the suites' fault drivers (standard library only).

A real `retrain serve` talks to one real service through a FaultProxy (fault_proxy.py) while
the test keeps jobs flowing; each fault mode is applied for a few seconds, then cleared.
FaultRun checks while it goes: /readyz answers 503 naming the dependency while calls fail and
200 after; and at the end: no job failed, every job ended, the serve log said each outage once
and the serve process's memory stayed bounded.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from retrain_process import api, wait_for  # noqa: E402

TERMINAL = ("completed", "failed", "cancelled")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit(f"FAIL: no VmRSS for pid {pid}")


def all_jobs(serve):
    jobs, cursor = [], None
    for _ in range(100):
        status, page = api("GET", serve.base + "/retraining/jobs?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200, (status, page)
        jobs += page["jobs"]
        cursor = page.get("nextCursor")
        if not cursor:
            return jobs
    raise SystemExit("FAIL: more than 100 pages of jobs")


class FaultRun:
    """dep: the /readyz check key ("tracker", "feed", "executor"); tick(): keeps jobs flowing
    (called about every `tick_every` s); down_lines / up_lines: how the serve log says that an
    outage of this dependency starts and ends."""

    def __init__(self, serve, proxy, dep, tick, down_lines, up_lines, tick_every=1.0, log_path=None):
        self.serve, self.proxy, self.dep, self.tick = serve, proxy, dep, tick
        self.down_lines, self.up_lines = down_lines, up_lines
        self.tick_every = tick_every
        self.log_path = log_path
        self.faults = 0          # fault periods applied
        self.outages_seen = 0    # of them, those during which /readyz named the dependency
        self.rss_start = None
        self.last_tick = 0.0

    def _tick(self):
        if time.time() - self.last_tick >= self.tick_every:
            self.last_tick = time.time()
            self.tick()

    def readyz(self):
        try:
            return api("GET", self.serve.base + "/readyz", timeout=15)
        except OSError as e:
            return None, str(e)

    def warm_up(self, what, timeout=120):
        """Jobs flow through the proxy in pass mode before any fault."""
        def completed():
            self._tick()
            return [j for j in all_jobs(self.serve) if j["status"] == "completed"]
        wait_for(completed, timeout, what, interval=0.5)
        self.rss_start = rss_kb(self.serve.proc.pid)
        print(f"ok: jobs complete through the proxy (serve RSS {self.rss_start} kB)")

    def log_counts(self):
        text = open(self.log_path, errors="replace").read()
        return sum(text.count(s) for s in self.down_lines), sum(text.count(s) for s in self.up_lines)

    def fault(self, mode, seconds, expect_down=True, delay=None, arm=None):
        """Applies `mode` for `seconds` under load (after arm(), when given: e.g. waiting for a
        job to start), clears it, waits for /readyz 200 and for the log to say the outage
        ended."""
        assert self.serve.proc.poll() is None, "retrain serve exited"
        self.faults += 1
        if arm:
            arm()
        before = self.proxy.stats()[mode]
        self.proxy.set(mode, delay=delay)
        named, statuses = None, set()
        end = time.time() + seconds
        while time.time() < end:
            self._tick()
            status, body = self.readyz()
            statuses.add(status)
            if status == 503:
                details = (body or {}).get("error", {}).get("details", {})
                if details.get(self.dep, "ok") != "ok":
                    named = details[self.dep]
            time.sleep(0.3)
        injected = self.proxy.stats()[mode] - before
        self.proxy.set("pass")
        if expect_down:
            assert named, f"{mode}: /readyz never named {self.dep} as down (answers {statuses})"
            self.outages_seen += 1
        wait_for(lambda: (self._tick(), self.readyz()[0] == 200)[1], 60,
                 f"/readyz 200 after the {mode} fault on {self.dep}", interval=0.5)
        if self.log_path:
            wait_for(lambda: (self._tick(), (lambda c: c[0] == c[1])(self.log_counts()))[1], 60,
                     f"the log to say the end of the {mode} outage of {self.dep}", interval=0.5)
        shown = f" ({named[:100]})" if named else ""
        print(f"ok: {self.dep} {mode} for {seconds}s: {injected} faulted connections/requests/chunks; "
              f"/readyz {'named it' + shown if named else 'stayed ready'}; ready again after")
        return injected

    def finish(self, log_path, min_completed, generated, settle=120, extra_check=None):
        """Every job ends, none failed; the log said each outage once; memory stayed bounded.
        `generated`: the records written in all; self.tick must write no more by now."""
        assert self.serve.proc.poll() is None, "retrain serve exited"

        def settled():
            # Every job ended, and too few records are left for another one.
            self._tick()
            models = api("GET", self.serve.base + "/models")[1]["models"]
            if any(m["activeJobId"] or m["unseenRecords"] >= m["minRecords"] for m in models):
                return None
            jobs = all_jobs(self.serve)
            return jobs if jobs and all(j["status"] in TERMINAL for j in jobs) else None
        jobs = wait_for(settled, settle, "every job to end", interval=0.5)
        failed = [j for j in jobs if j["status"] != "completed"]
        completed = [j for j in jobs if j["status"] == "completed"]
        assert not failed, "jobs lost to transient faults: " + "; ".join(
            f"{j['id'][:8]} {j['status']}: {j.get('error')}" for j in failed)
        assert len(completed) >= min_completed, (len(completed), min_completed)
        # Every record generated went to exactly one completed job or is still unseen: no job
        # done twice, no record trained twice or skipped.
        def accounted():
            models = api("GET", self.serve.base + "/models")[1]["models"]
            unseen = sum(m["unseenRecords"] for m in models)
            trained = sum(j["records"] for j in all_jobs(self.serve) if j["status"] == "completed")
            return (trained, unseen) if trained + unseen == generated else None
        trained, unseen = wait_for(accounted, 30, f"completed jobs' records + unseen == {generated} generated",
                                   interval=0.5)
        if extra_check:
            extra_check(completed)
        rss_end = rss_kb(self.serve.proc.pid)
        bound = 2 * self.rss_start + 50 * 1024
        assert rss_end < bound, f"serve RSS grew from {self.rss_start} kB to {rss_end} kB (bound {bound})"
        text = open(log_path, errors="replace").read()
        downs = sum(text.count(s) for s in self.down_lines)
        ups = sum(text.count(s) for s in self.up_lines)
        assert 1 <= downs <= self.faults, f"outage start said {downs} times for {self.faults} faults:\n" + text[-4000:]
        assert ups == downs, f"outage start said {downs} times but its end {ups} times:\n" + text[-4000:]
        retries = sum(1 for j in completed if j.get("attempt", 1) > 1)
        print(f"ok: {len(jobs)} jobs, all completed ({retries} on a second attempt), 0 lost; "
              f"{trained} records trained once, {unseen} unseen, of {generated}; log: {downs} outage lines and {ups} recovery lines for "
              f"{self.faults} faults; serve RSS {self.rss_start} -> {rss_end} kB")
        return jobs
