"""Abuse limits: pass-code guessing and registration spam get 429 with Retry-After.

Counters live in this process (the limits package's moving windows in memory); with
several workers each counts its own share, which still bounds a guesser to N × limit.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection

from shelter.config import Settings
from shelter.errors import TooManyRequests


def client_key(connection: HTTPConnection) -> str:
    """The caller's address (the proxy's X-Forwarded-For when it comes from the proxy)."""
    return address_key(connection.client.host if connection.client else None)


def address_key(host: str | None) -> str:
    """The key of an address, as ``client_key`` and the edge (``edge.py``) name it."""
    return "ip:" + (host or "unknown")


def token_key(secret: str) -> str:
    # Keyed by a hash: the secret itself is never kept anywhere but the request.
    return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:16]


# How many tokens that worked this process remembers (a town has hundreds of devices).
_KNOWN_GOOD = 10_000


class Limits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.unknown_pass: RateLimitItem = parse(settings.rate_unknown_pass)
        self.register: RateLimitItem = parse(settings.rate_register)
        self.failed_auth: RateLimitItem = parse(settings.rate_failed_auth)
        self.safety_inquiry: RateLimitItem = parse(settings.rate_safety_inquiry)
        self.lookup: RateLimitItem = parse(settings.rate_lookup)
        # Tokens (by hash) that authenticated since this process started, newest last.
        self._good: OrderedDict[str, None] = OrderedDict()

    # -- failed authentication, per address -------------------------------------------
    #
    # Wrong tokens from one address are throttled (429 with Retry-After). A device whose
    # token already worked here is never held back by that: phones on the same shelter
    # Wi-Fi (one address behind NAT) trying bad tokens cannot lock out the door's kiosk.

    def check_token(self, token: str, client: str) -> None:
        """Refuse an unproven token from an address that has failed too often."""
        if token_key(token) in self._good:
            return
        self.ensure_allowed(self.failed_auth, client, what="failed sign-ins from this address")

    def token_worked(self, token: str) -> None:
        key = token_key(token)
        self._good[key] = None
        self._good.move_to_end(key)
        while len(self._good) > _KNOWN_GOOD:
            self._good.popitem(last=False)

    def token_failed(self, token: str, client: str, *, guess: bool = True) -> None:
        """A token was refused; only a guess (not a revoked token still in use on some
        device) counts against the address."""
        self._good.pop(token_key(token), None)
        if guess:
            self.count(self.failed_auth, client)

    def ensure_allowed(self, item: RateLimitItem, *keys: str, what: str) -> None:
        """Refuse while any key is over its limit; counts nothing."""
        for key in keys:
            if not self._limiter.test(item, self._name(item), key):
                raise TooManyRequests(
                    f"Too many {what}; wait and try again.", retry_after=self._wait(item, key)
                )

    def count(self, item: RateLimitItem, *keys: str, cost: int = 1) -> None:
        # One hit at a time: a window refuses a single hit bigger than its room.
        for key in keys:
            for _ in range(min(cost, item.amount)):
                self._limiter.hit(item, self._name(item), key)

    def take(self, item: RateLimitItem, *keys: str, what: str) -> None:
        """Count one and refuse if that went over the limit."""
        for key in keys:
            if not self._limiter.hit(item, self._name(item), key):
                raise TooManyRequests(
                    f"Too many {what}; wait and try again.", retry_after=self._wait(item, key)
                )

    def remaining(self, item: RateLimitItem, *keys: str) -> int:
        """How many more may be counted before the first of these keys is refused."""
        return min(
            (self._limiter.get_window_stats(item, self._name(item), k).remaining for k in keys),
            default=item.amount,
        )

    def wait(self, item: RateLimitItem, *keys: str) -> int:
        """Seconds until every key has room again (for a Retry-After header)."""
        return max((self._wait(item, key) for key in keys), default=1)

    def _name(self, item: RateLimitItem) -> str:
        # Two limits may share a rate ("5/minute"); their counters must not be shared.
        if item is self.register:
            return "register"
        if item is self.safety_inquiry:
            return "safety_inquiry"
        if item is self.lookup:
            return "lookup"
        return "failed_auth" if item is self.failed_auth else "unknown_pass"

    def _wait(self, item: RateLimitItem, key: str) -> int:
        reset = self._limiter.get_window_stats(item, self._name(item), key).reset_time
        return max(1, math.ceil(reset - time.time()))
