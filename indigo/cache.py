"""Django's Redis cache, keeping its redis.Redis client instead of building one per call.

Django's RedisCacheClient makes a new redis.Redis for every get, add or incr; building one fills
its table of ~170 response callbacks, about half a millisecond of CPU, several times a request
once sessions and rate limits live in Redis (docs/performance.md). The client only wraps the
connection pool and is safe to share, so one per pool is kept.
"""

from django.core.cache.backends import redis as django_redis


class _ReusingClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
