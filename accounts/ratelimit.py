"""Rate limits backed by Django's cache (Redis in production, LocMem in the demo and tests).

A fixed window per key: the first hit of a window creates a counter that expires with it, the
others increment it atomically (one pipelined SET NX + INCR in Redis, cache.add + cache.incr in
LocMem), so two workers never both see "4 of 5". A burst of twice the rate across a window edge is possible;
we accept that for the sake of one cache round trip per check.

Three ways to use it:

    rate_limit_hit("sms-phone", phone, "3/h")        # raises RateLimited (429) when over
    if not rate_limit_peek(...).allowed: ...         # look without counting

    @rate_limited("claim", "10/m", key=by_user)     # a view, a DRF view method, or an APIView.post
    def claim(request, ...): ...

A function view answers a blocked request with a 429 page, a DRF view with the API's
{"code": "rate_limited", "detail": …}; both carry Retry-After. A service that calls
rate_limit_hit raises RateLimited, a ServiceError with status 429.
"""

import dataclasses
import functools
import hashlib
import re
import time
from collections.abc import Callable

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from accounts.net import client_ip
from indigo.errors import ServiceError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")


class RateLimited(ServiceError):
    status = 429

    def __init__(self, retry_after: int):
        super().__init__("rate_limited", _("Too many requests. Try again in %(seconds)s seconds."), seconds=retry_after)
        self.retry_after = retry_after


@dataclasses.dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds


@dataclasses.dataclass(frozen=True)
class RateResult:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window resets


@functools.lru_cache(maxsize=128)
def parse_rate(rate: str) -> Rate:
    """'5/m', '3/10m', '100/d' → Rate(limit, window seconds)."""
    match = _RATE.match(rate.replace(" ", ""))
    if not match:
        raise ValueError(f"Rate {rate!r} is not like '5/m' or '3/10m'.")
    limit, multiplier, unit = match.groups()
    return Rate(int(limit), int(multiplier or 1) * _UNITS[unit])


def _cache_key(scope: str, key: str, rate: Rate, window_start: int) -> str:
    # Keys may hold phones or IINs: only a digest goes into the cache.
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()[:32]
    return f"rl:{scope}:{rate.window}:{window_start}:{digest}"


def _window(rate: Rate) -> tuple[int, int]:
    now = int(time.time())
    start = now - now % rate.window
    return start, start + rate.window - now


def _count(cache_key: str, timeout: int) -> int:
    """One more hit on the window's counter; the count so far."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # One round trip: create the window's counter with its expiry unless it exists, then count. Django's
        # add + incr took two, and three once the counter existed (incr asks EXISTS first): a parent's
        # repeated claims in a rush paid them every time.
        key = backend.make_and_validate_key(cache_key)
        with backend._cache.get_client(key, write=True).pipeline(transaction=False) as pipe:
            pipe.set(key, 0, ex=timeout, nx=True)
            pipe.incr(key)
            return pipe.execute()[1]
    if cache.add(cache_key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=timeout)
        return 1


def rate_limit_hit(scope: str, key: str, rate: str, *, raise_error: bool = True) -> RateResult:
    """Count one hit for `key` in `scope`; over the limit raises RateLimited (or returns allowed=False)."""
    parsed = parse_rate(rate)
    start, retry_after = _window(parsed)
    count = _count(_cache_key(scope, key, parsed, start), parsed.window + 1)
    result = RateResult(allowed=count <= parsed.limit, count=count, limit=parsed.limit, retry_after=max(retry_after, 1))
    if not result.allowed and raise_error:
        raise RateLimited(result.retry_after)
    return result


def rate_limit_peek(scope: str, key: str, rate: str) -> RateResult:
    parsed = parse_rate(rate)
    start, retry_after = _window(parsed)
    count = cache.get(_cache_key(scope, key, parsed, start), 0)
    return RateResult(allowed=count < parsed.limit, count=count, limit=parsed.limit, retry_after=max(retry_after, 1))


def rate_limit_reset(scope: str, key: str, rate: str) -> None:
    parsed = parse_rate(rate)
    start, _ = _window(parsed)
    cache.delete(_cache_key(scope, key, parsed, start))


def by_ip(request) -> str:
    return client_ip(request) or "unknown"


def by_user(request) -> str:
    """The signed-in user, or the address for anonymous requests."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{by_ip(request)}"


def _find_request(args) -> HttpRequest | None:
    for arg in args[:2]:  # (request, …) for a function, (self, request, …) for a method
        if isinstance(arg, HttpRequest) or hasattr(arg, "_request"):
            return arg
    return None


def rate_limited(
    scope: str, rate: str, *, key: Callable = by_user, methods: tuple[str, ...] = ("POST", "PUT", "PATCH", "DELETE")
):
    """Decorate a view (or a DRF view method) so that each key may make `rate` requests in `scope`."""
    parse_rate(rate)  # a typo fails at import time, not on the first request

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request = _find_request(args)
            if request is not None and request.method in methods:
                result = rate_limit_hit(scope, key(request), rate, raise_error=False)
                if not result.allowed:
                    if hasattr(request, "_request"):  # DRF: its handler answers 429 JSON with Retry-After
                        error = RateLimited(result.retry_after)
                        raise exceptions.Throttled(wait=result.retry_after, detail=error.detail, code=error.code)
                    response = render(
                        request,
                        "accounts/rate_limited.html",
                        {"retry_after": result.retry_after},
                        status=429,
                    )
                    response["Retry-After"] = str(result.retry_after)
                    return response
            return view(*args, **kwargs)

        return wrapper

    return decorator
