"""Polite, remembered HTTP fetches for the online FAIR checks (``assess --online``).

A fetch is a :class:`Job`: a kind, a URL and, for pages, the strings to look for.

- ``page``: GET an HTML page; the answer says whether its body mentions one of the strings;
- ``conneg``: GET with an ``Accept`` header asking for machine-readable metadata; the answer
  says whether the body parses (JSON, Turtle or RDF/XML by its media type);
- ``data``: HEAD, or a GET whose body is not read when HEAD gets 405 or 501.

Its result is an :class:`~pancommons.fair.online_cache.Answer`, a small record holding all the
checks need, so that it can be kept on disk (``online_cache``) and reused instead of asking the
server again.

Politeness: redirects are followed by hand (at most 10; a URL met twice is a loop) so that every
hop is rate limited per host (the harvester's ``_HostLimiter``, a fresh one per run, shared by the
worker threads) and only http(s) URLs are ever requested; connect and read timeouts; bodies are
streamed and read up to 2 MB (for at most three timeouts); a 429 or 503 is retried once when its
Retry-After is at most 5 s (1 s when it has none), otherwise it is a failure that says so.
Answers are kept in ``{cache_dir}/online-cache.sqlite``: one younger than ``max_age`` is reused
without a request; an older 2xx answer is revalidated with ``If-None-Match`` and
``If-Modified-Since``, and a 304 reuses it. Failures likely to pass on another run (timeouts,
refused connections, 429/503) are not kept.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urljoin, urlsplit

import requests
from pyoxigraph import RdfFormat, parse

from pancommons import __version__
from pancommons.fair.online_cache import Answer, AnswerCache
from pancommons.harvest.http import _HostLimiter, _retry_after, redact
from pancommons.store.rdfxml import defused

USER_AGENT = f"PaN-Commons/{__version__} (FAIR assessment; +https://w3id.org/pan-commons)"
MACHINE_TYPES = (
    "application/vnd.datacite.datacite+json",
    "application/ld+json",
    "text/turtle",
    "application/rdf+xml",
)
ACCEPT = {
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.8",
    "conneg": "application/vnd.datacite.datacite+json, application/ld+json, text/turtle, "
    "application/rdf+xml;q=0.9",
    "data": "*/*",
}
_RDF = {"text/turtle": RdfFormat.TURTLE, "application/rdf+xml": RdfFormat.RDF_XML}
MAX_REDIRECTS = 10
MAX_RETRY_AFTER = 5.0
BODY_CAP = 2_000_000
_REDIRECT = frozenset({301, 302, 303, 307, 308})


def is_http(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https")


@dataclass(frozen=True)
class Job:
    kind: str
    """``page``, ``conneg`` or ``data``."""
    url: str
    needles: tuple[str, ...] = ()
    """Lower-case strings of which a ``page`` body must contain one."""

    @property
    def key(self) -> str:
        return " ".join((self.kind, self.url, *self.needles))


@dataclass(frozen=True)
class OnlineStats:
    requests: int = 0
    """HTTP requests sent: every redirect hop and retry counts."""
    cache_hits: int = 0
    """Answers reused from the cache without a request (younger than ``max_age``)."""
    not_modified: int = 0
    """Conditional requests answered 304 (the cached answer reused)."""
    per_host: dict[str, int] = field(default_factory=dict)
    """Requests sent per host (``host[:port]``)."""


@dataclass
class _Hop:
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str = ""


class Fetcher:
    """Fetches jobs from any number of threads; ``close()`` when done."""

    def __init__(self, *, timeout: float, rate: float, max_age: float, cache: AnswerCache) -> None:
        self.timeout = timeout
        self.rate = rate
        self.max_age = max_age
        self._cache = cache
        self._limiter = _HostLimiter()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._hosts: Counter[str] = Counter()
        self._hits = 0
        self._not_modified = 0

    def stats(self) -> OnlineStats:
        with self._lock:
            hosts = dict(sorted(self._hosts.items()))
            return OnlineStats(sum(hosts.values()), self._hits, self._not_modified, hosts)

    def close(self) -> None:
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()

    def fetch(self, job: Job) -> Answer:
        method = "HEAD" if job.kind == "data" else "GET"
        if not is_http(job.url):
            note = "not fetched: only http and https URLs are checked"
            return Answer(method, job.url, None, job.url, note=note)
        now = time.time()
        cached = self._cache.get(job.key)
        if cached is not None and now - cached.checked < self.max_age:
            with self._lock:
                self._hits += 1
            return cached
        headers = {"Accept": ACCEPT[job.kind]}
        if cached is not None and cached.ok:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        answer = self._request(job, method, headers)
        if job.kind == "data" and answer.status in (405, 501):
            answer = self._request(job, "GET", headers)
        if answer.status == 304 and cached is not None:
            with self._lock:
                self._not_modified += 1
            answer = replace(cached, checked=now)
        if not answer.checked:
            answer = replace(answer, checked=time.time())
        if not answer.transient:
            self._cache.put(job.key, answer)
        return answer

    def _request(self, job: Job, method: str, headers: dict[str, str]) -> Answer:
        """The answer at the end of the redirects from ``job.url``."""
        url, seen = job.url, [job.url]
        for _ in range(MAX_REDIRECTS + 1):
            hop = self._send(method, url, headers, want_body=job.kind != "data")
            if hop.status is None:
                return Answer(method, job.url, None, url, note=hop.error, transient=True)
            location = hop.headers.get("location")
            if hop.status not in _REDIRECT or not location:
                return self._judge(job, method, url, hop)
            url = urljoin(url, location)
            if not is_http(url):
                note = f"redirected to {url}: not http(s), not followed"
                return Answer(method, job.url, None, url, note=note)
            if url in seen:
                note = f"redirect loop ({' → '.join([*seen[seen.index(url) :], url])})"
                return Answer(method, job.url, None, url, note=note)
            seen.append(url)
        note = f"too many redirects (more than {MAX_REDIRECTS})"
        return Answer(method, job.url, None, url, note=note)

    def _judge(self, job: Job, method: str, url: str, hop: _Hop) -> Answer:
        h = hop.headers
        answer = Answer(
            method,
            job.url,
            hop.status,
            url,
            h.get("content-type", ""),
            h.get("etag", ""),
            h.get("last-modified", ""),
            note=hop.error,
            checked=time.time(),
            transient=hop.status in (429, 503),
        )
        if not answer.ok or method == "HEAD":
            return answer
        if job.kind == "page" and job.needles:
            return replace(answer, body_ok=_mentions(hop.body, answer.content_type, job.needles))
        if job.kind == "conneg" and answer.media_type in MACHINE_TYPES:
            problem = _parse_problem(hop.body, answer.media_type, url)
            return replace(answer, body_ok=not problem, note=problem)
        return answer

    def _send(self, method: str, url: str, headers: dict[str, str], *, want_body: bool) -> _Hop:
        """One request (and one retry of a 429/503 with a short Retry-After)."""
        hop = _Hop(None)
        for attempt in (0, 1):
            hop = self._once(method, url, headers, want_body)
            if hop.status not in (429, 503):
                return hop
            wait = _retry_after(hop.headers.get("retry-after"))
            wait = 1.0 if wait is None else wait
            if attempt == 1:
                hop.error = f"again after waiting {wait:g} s"
            elif wait > MAX_RETRY_AFTER:
                hop.error = f"Retry-After {wait:g} s: not retried"
                return hop
            else:
                time.sleep(wait)
        return hop

    def _once(self, method: str, url: str, headers: dict[str, str], want_body: bool) -> _Hop:
        host = urlsplit(url).netloc.lower()
        self._limiter.wait(host, self.rate)
        with self._lock:
            self._hosts[host] += 1
        session = self._session()
        t = self.timeout
        try:
            with session.request(
                method, url, headers=headers, timeout=(t, t), allow_redirects=False, stream=True
            ) as r:
                kept = {k.lower(): v for k, v in r.headers.items()}
                body = b""
                if want_body and method == "GET" and 200 <= r.status_code < 300:
                    body = _read(r, BODY_CAP, time.monotonic() + 3 * t)
                return _Hop(r.status_code, kept, body)
        except requests.Timeout:
            return _Hop(None, error=f"timed out after {t:g} s")
        except requests.ConnectionError as exc:
            text = str(exc)
            if "timed out" in text.lower():
                return _Hop(None, error=f"timed out after {t:g} s")
            if "refused" in text.lower():
                return _Hop(None, error="connection refused")
            return _Hop(None, error=f"connection failed ({_brief(text)})")
        except requests.RequestException as exc:
            return _Hop(None, error=f"request failed ({type(exc).__name__}: {_brief(str(exc))})")

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            session.trust_env = False  # no .netrc credentials, no proxy surprises in checks
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session


def _read(r: requests.Response, cap: int, deadline: float) -> bytes:
    """Up to ``cap`` bytes of the body, or what came before ``deadline`` (a trickling server)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in r.iter_content(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size >= cap or time.monotonic() > deadline:
            break
    return b"".join(chunks)[:cap]


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"'")
    return "utf-8"


def _mentions(body: bytes, content_type: str, needles: tuple[str, ...]) -> bool:
    try:
        text = body.decode(_charset(content_type), errors="replace")
    except LookupError:  # an unknown charset
        text = body.decode("utf-8", errors="replace")
    text = html.unescape(text).lower()
    return any(n in text for n in needles) or any(n in unquote(text) for n in needles)


def _parse_problem(body: bytes, media_type: str, base: str) -> str:
    """Why ``body`` does not parse as ``media_type``; empty when it does."""
    try:
        if media_type in _RDF:
            if _RDF[media_type] == RdfFormat.RDF_XML:
                body = defused(body)  # pyoxigraph would expand a billion laughs
            for _ in parse(body, _RDF[media_type], base_iri=base):
                pass
        else:
            json.loads(body)
    except (SyntaxError, ValueError) as exc:
        return _brief(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return ""


def _brief(text: str) -> str:
    text = redact(" ".join(text.split()))
    return text if len(text) < 160 else text[:160] + "…"
