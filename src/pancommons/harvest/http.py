"""HTTP for harvesters: retries with exponential backoff, ``Retry-After``, a rate limit per host.

Transient failures are retried: connection errors and resets, timeouts, a body cut short, 429
and 5xx answers, and a JSON page that does not parse (a truncated page). A 4xx answer is not
retried: it means the request is wrong, and the error says what the server answered.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests

from pancommons import __version__

log = logging.getLogger("pancommons.harvest")

T = TypeVar("T")
USER_AGENT = f"pancommons/{__version__} (+https://w3id.org/pan-commons; harvester)"
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class HarvestHttpError(RuntimeError):
    """A request failed for good (not transient, or still failing after every retry)."""

    def __init__(self, message: str, *, url: str, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.url = url
        self.status = status
        self.body = body


@dataclass
class RetryPolicy:
    retries: int = 5
    backoff: float = 1.0
    """First wait in seconds; doubles with each retry (with ±25 % jitter)."""
    max_wait: float = 120.0
    """Longest wait for one retry, also for a server's Retry-After."""


class _HostLimiter:
    """At most ``rate`` requests per second to each host, across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str, rate: float) -> None:
        if rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(host, now))
            self._next[host] = at + 1.0 / rate
        if at > now:
            time.sleep(at - now)


_LIMITER = _HostLimiter()


class HttpClient:
    """One requests session per harvest run."""

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        rate_limit: float = 0.0,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str, str, float], None] | None = None,
    ) -> None:
        self.timeout = timeout
        self.rate_limit = rate_limit
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._on_retry = on_retry
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        self.retried = 0
        self.requests = 0

    def close(self) -> None:
        self.session.close()

    def get_json(self, url: str, params: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.request_json("GET", url, params=params, **kw)

    def request_json(self, method: str, url: str, **kw: Any) -> Any:
        return self.request(method, url, parse=json.loads, incomplete=(ValueError,), **kw)

    def request(
        self,
        method: str,
        url: str,
        *,
        parse: Callable[[bytes], T],
        incomplete: tuple[type[Exception], ...] = (),
        **kw: Any,
    ) -> T:
        """``parse(body)`` of the answer, retrying transient failures; a body whose parsing
        raises one of ``incomplete`` (a page cut short) is retried too."""
        host = urlsplit(url).netloc
        attempt = 0
        while True:
            _LIMITER.wait(host, self.rate_limit)
            self.requests += 1
            reason, wait_hint, response = self._attempt(method, url, kw)
            if reason is None and response is not None:
                try:
                    return parse(response.content)
                except incomplete as exc:
                    reason = f"the answer is not complete ({exc})"
                except RecursionError:  # JSON or XML nested deeper than a parser recurses
                    raise HarvestHttpError(
                        f"{method} {redact(_show(response, url))}: the answer is nested too "
                        "deeply to read; the source is broken or hostile",
                        url=url,
                        status=response.status_code,
                        body=response.text[:500],
                    ) from None
            if attempt >= self.policy.retries:
                status = response.status_code if response is not None else None
                raise HarvestHttpError(
                    f"{method} {redact(_show(response, url))} failed after {attempt + 1} "
                    f"attempts: {reason}",
                    url=url,
                    status=status,
                    body=response.text[:500] if response is not None else "",
                )
            delay = self._delay(attempt, wait_hint)
            attempt += 1
            self.retried += 1
            shown = redact(url)
            log.warning("%s %s: %s; retry %d in %.1f s", method, shown, reason, attempt, delay)
            if self._on_retry:
                self._on_retry(shown, redact(reason or ""), delay)
            self._sleep(delay)

    def _attempt(
        self, method: str, url: str, kw: dict[str, Any]
    ) -> tuple[str | None, float | None, requests.Response | None]:
        """(transient reason or None, server's Retry-After, response)."""
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kw)
            response.content  # noqa: B018 - read the body now: a cut body raises here
        except requests.Timeout as exc:
            return f"timed out after {self.timeout:g} s ({type(exc).__name__})", None, None
        except (
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            return f"connection failed ({_brief(exc)})", None, None
        if response.status_code in TRANSIENT_STATUS or response.status_code >= 500:
            hint = _retry_after(response.headers.get("Retry-After"))
            return f"HTTP {response.status_code}", hint, response
        if response.status_code >= 400:
            raise HarvestHttpError(
                f"{method} {redact(_show(response, url))} answered HTTP {response.status_code}: "
                f"{response.text[:300].strip()}",
                url=url,
                status=response.status_code,
                body=response.text[:2000],
            )
        return None, None, response

    def _delay(self, attempt: int, hint: float | None) -> float:
        if hint is not None:
            return min(max(hint, 0.0), self.policy.max_wait)
        base = self.policy.backoff * (2**attempt)
        return min(base * random.uniform(0.75, 1.25), self.policy.max_wait)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _show(response: requests.Response | None, url: str) -> str:
    return response.url if response is not None else url


_SECRET = re.compile(r"((?:sessionId|token|access_token|password)=)[^&\s'\"]+", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with session ids and tokens in query strings replaced by ``***``."""
    return _SECRET.sub(r"\1***", text)


def _brief(exc: Exception) -> str:
    text = redact(str(exc))
    return text if len(text) < 200 else text[:200] + "…"
