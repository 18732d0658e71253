"""The server's settings, its API keys file and the request-rate limits.

API keys file (``--api-keys FILE``), UTF-8, one key a line; ``#`` starts a comment; after
the key, optional per-key limits as ``name=value`` words:

    # key                                   limits (default: the server's --req-limit, --char-limit)
    3f9c2e0a-newsroom-weblate               req_limit=600 char_limit=20000
    mastodon-instance-key                   req_limit=120

``req_limit`` is requests per minute, ``char_limit`` characters per request. When the
file is given, every limited endpoint needs a listed key (``api_key`` in the JSON body,
the form or the query string): none is 400, an unknown one 403. Without a file,
requests are limited per client address with the server's limits.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from translator.errors import InputError

MINUTE = 60.0


@dataclass(frozen=True)
class ServerSettings:
    """What ``translator serve`` was told; every limit has a bounded default.

    ``req_limit``: requests per minute per key or client address (0: none).
    ``char_limit``: characters per request, all of ``q`` together (0: none).
    ``batch_limit``: texts in one ``q`` array (0: none).
    ``max_upload_mb``: the largest file ``/translate_file`` and ``/v1/translate`` take.
    ``max_body_mb``: the largest request body of any other endpoint.
    ``deadline_s``: how long a request may wait for the model before a 503.
    ``max_queue``: texts waiting for the model before new requests get 503.
    ``batch_wait_s``: after a model call is answered, how long the queue waits at most
    for as many requests as it answered (their clients sending again) before the next
    call; a request that arrives with the model idle and no answer just out never waits.
    ``file_ttl_s``: how long a translated file stays downloadable.
    """

    req_limit: int = 120
    char_limit: int = 20_000
    batch_limit: int = 64
    max_upload_mb: float = 10.0
    max_body_mb: float = 2.0
    deadline_s: float = 60.0
    max_queue: int = 256
    max_batch: int = 64
    batch_wait_s: float = 0.05
    file_ttl_s: float = 3600.0
    web_ui: bool = True
    cors_origins: tuple[str, ...] = ()
    api_keys: dict[str, KeyLimits] | None = None


@dataclass(frozen=True)
class KeyLimits:
    """One API key's limits; None means the server's own."""

    req_limit: int | None = None
    char_limit: int | None = None


def load_api_keys(path: Path) -> dict[str, KeyLimits]:
    """The keys of an API keys file (the format is this module's docstring).

    Raises:
        InputError: the file cannot be read, or a line is not ``KEY [name=value ...]``.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the API keys file {path} ({error}).") from None
    keys: dict[str, KeyLimits] = {}
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        limits: dict[str, int] = {}
        for word in words[1:]:
            name, _, value = word.partition("=")
            if name not in ("req_limit", "char_limit") or not value.isdigit():
                raise InputError(
                    f"{path}:{number}: {word!r} is not req_limit=N or char_limit=N. "
                    "A line is: KEY [req_limit=N] [char_limit=N]."
                )
            limits[name] = int(value)
        keys[words[0]] = KeyLimits(**limits)
    if not keys:
        raise InputError(f"the API keys file {path} lists no key.")
    return keys


class RateLimiter:
    """Requests per minute per client (a key or an address), over a sliding minute."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._seen: dict[str, deque[float]] = {}
        self._clock = clock or time.monotonic

    def allow(self, client: str, per_minute: int) -> bool:
        """Count a request of ``client``; False when it is over ``per_minute``."""
        if per_minute <= 0:
            return True
        now = self._clock()
        seen = self._seen.setdefault(client, deque())
        while seen and seen[0] <= now - MINUTE:
            seen.popleft()
        if len(seen) >= per_minute:
            return False
        seen.append(now)
        if len(self._seen) > 100_000:  # many addresses: forget the idle ones
            self._forget_idle(now)
        return True

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, seen in self._seen.items() if not seen or seen[-1] <= now - MINUTE]:
            del self._seen[client]
