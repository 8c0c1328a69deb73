"""accounts.ratelimit: fixed windows in the cache, a decorator for pages and DRF views."""

import datetime as dt

import pytest
import time_machine
from django.http import HttpResponse
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.ratelimit import (
    Rate,
    RateLimited,
    parse_rate,
    rate_limit_hit,
    rate_limit_peek,
    rate_limit_reset,
    rate_limited,
)


def test_it_parses_rates():
    assert parse_rate("5/m") == Rate(limit=5, window=60)
    assert parse_rate("3/10m").window == 600 and parse_rate("3/10m").limit == 3
    assert parse_rate("100/d").window == 86400
    with pytest.raises(ValueError, match="not like"):
        parse_rate("five per minute")


def test_it_counts_hits_in_a_window_and_starts_again_in_the_next():
    start = dt.datetime(2024, 6, 3, 5, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            rate_limit_hit("test", "k", "3/m")
        with pytest.raises(RateLimited) as error:
            rate_limit_hit("test", "k", "3/m")
        assert error.value.status == 429 and error.value.retry_after == 60
        assert rate_limit_hit("test", "other-key", "3/m").allowed
        assert not rate_limit_peek("test", "k", "3/m").allowed
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert rate_limit_hit("test", "k", "3/m").count == 1


@rate_limited("page", "2/m")
def page(request):
    return HttpResponse("ok")


def test_it_answers_a_page_with_429_and_retry_after(rf, db):
    for _ in range(2):
        assert page(rf.post("/", REMOTE_ADDR="10.0.0.1")).status_code == 200
    blocked = page(rf.post("/", REMOTE_ADDR="10.0.0.1"))
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) >= 1
    assert page(rf.post("/", REMOTE_ADDR="10.0.0.2")).status_code == 200
    assert page(rf.get("/", REMOTE_ADDR="10.0.0.1")).status_code == 200


class ClaimLikeApi(APIView):
    permission_classes = []

    @rate_limited("claim-like", "1/m")
    def post(self, request):
        return Response({"ok": True})


def test_it_answers_an_api_view_with_the_stable_error_code(db):
    factory = APIRequestFactory()
    view = ClaimLikeApi.as_view()
    assert view(factory.post("/", {}, REMOTE_ADDR="10.0.0.3")).status_code == 200
    response = view(factory.post("/", {}, REMOTE_ADDR="10.0.0.3"))
    assert response.status_code == 429
    assert response.data["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


def test_it_counts_in_redis_as_in_production(settings):
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.skip("the tests' Redis is the Celery broker's; this run has none")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker, "KEY_PREFIX": "t"}
    }
    key = f"redis-{dt.datetime.now().timestamp()}"
    try:
        hits = [rate_limit_hit("test", key, "2/h", raise_error=False) for _ in range(3)]
        assert [(hit.allowed, hit.count) for hit in hits] == [(True, 1), (True, 2), (False, 3)]
        assert rate_limit_peek("test", key, "2/h").count == 3
        # The counter goes with its window: it expires, it is never left to count for ever.
        from django.core.cache import caches

        from accounts.ratelimit import _cache_key, _window, parse_rate

        rate = parse_rate("2/h")
        backend = caches["default"]
        stored = backend.make_and_validate_key(_cache_key("test", key, rate, _window(rate)[0]))
        assert 0 < backend._cache.get_client(stored).ttl(stored) <= rate.window + 1
    finally:
        # Only this key: the database is shared with the Celery broker, it must not be flushed.
        rate_limit_reset("test", key, "2/h")
