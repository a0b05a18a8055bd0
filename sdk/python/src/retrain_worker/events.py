"""Posting events to the job's callback URL (`POST /retraining/jobs/{jobId}/events`) with the
attempt's bearer token.

Transient failures (connection refused or reset, timeouts, HTTP 5xx, 408, 429) are retried with
a doubling backoff (0.25 s up to 5 s) for up to a minute, as the reference worker does; any
other 4xx is final and raises at once: 401/403 as `TokenRefused`, 409 as `JobEnded`.
"""
from __future__ import annotations

import json
import ssl
import sys
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Optional, TextIO


class ReportError(RuntimeError):
    """An event could not be delivered."""

    def __init__(self, message: str, status: Optional[int] = None, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code


class TokenRefused(ReportError):
    """The orchestrator refused the callback token (HTTP 401/403)."""


class JobEnded(ReportError):
    """The job already ended on the orchestrator's side (HTTP 409); nothing more is accepted."""


class DeliveryFailed(ReportError):
    """The orchestrator could not be reached within the retry budget."""


def _server_error(body: str) -> Dict[str, Any]:
    try:
        doc = json.loads(body)
    except ValueError:
        return {}
    err = doc.get("error") if isinstance(doc, dict) else None
    return err if isinstance(err, dict) else {}


class EventClient:
    def __init__(self, url: str, token: str, ca_file: str = "", *, retry_budget: float = 60.0,
                 initial_backoff: float = 0.25, max_backoff: float = 5.0, timeout: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep, out: Optional[TextIO] = None):
        self.url = url
        self.token = token
        self.retry_budget = retry_budget
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.sleep = sleep
        self.out = out
        self.attempts = 0  # requests sent, over every post (for diagnostics and tests)
        self._context: Optional[ssl.SSLContext] = None
        if url.startswith("https://"):
            self._context = ssl.create_default_context(cafile=ca_file or None)

    def post(self, body: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """Delivers one event; returns the job as the orchestrator answered it (None when
        there is no callback URL and the event went to standard output)."""
        data = json.dumps(body, allow_nan=False).encode()
        if not self.url:
            (self.out or sys.stdout).write(data.decode() + "\n")
            (self.out or sys.stdout).flush()
            return None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        deadline = time.monotonic() + self.retry_budget
        backoff = self.initial_backoff
        tries = 0
        while True:
            tries += 1
            self.attempts += 1
            request = urllib.request.Request(self.url, data=data, method="POST", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout, context=self._context) as r:
                    text = r.read().decode("utf-8", "replace")
                    try:
                        return json.loads(text) if text else {}
                    except ValueError:
                        return {}
            except urllib.error.HTTPError as e:
                status = e.code
                text = e.read().decode("utf-8", "replace")
                if not (status >= 500 or status in (408, 429)):
                    raise self._refusal(status, text) from None
                last = f"HTTP {status}"
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
                reason = getattr(e, "reason", e)
                if isinstance(reason, ssl.SSLCertVerificationError):
                    raise ReportError(f"The callback URL {self.url} failed TLS verification: {reason}; "
                                      "set RETRAINING_CA_FILE to the server's CA bundle.") from None
                last = str(reason).rstrip(".")
            now = time.monotonic()
            if now >= deadline:
                raise DeliveryFailed(f"Could not deliver the event to {self.url} in {tries} attempts "
                                     f"(last failure: {last}).")
            self.sleep(min(backoff, deadline - now))
            backoff = min(backoff * 2, self.max_backoff)

    def _refusal(self, status: int, text: str) -> ReportError:
        err = _server_error(text)
        reason = err.get("message") or ""
        suffix = f": {reason}" if reason else "."
        code = err.get("code") or ""
        if status in (401, 403):
            return TokenRefused(
                f"The orchestrator refused the callback token (HTTP {status}){suffix} "
                "RETRAINING_CALLBACK_TOKEN must be the token of this job's current attempt; "
                "a token of another job or of an earlier attempt is not accepted.", status, code)
        if status == 409:
            return JobEnded(f"The job already ended, so the orchestrator refused the event{suffix}", status, code)
        return ReportError(f"The orchestrator refused the event with HTTP {status}{suffix}", status, code)
