"""
Django's Redis cache, without its cost per call: Django's client builds a new redis-py client (a
`redis.Redis` around the same connection pool) for every get, set or incr, which is a good part of
the time a page served from the page cache takes. This one keeps one per pool; the connections are
the pool's, as before (redis-py's pool opens new ones after a fork), so nothing else changes.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        # By the pool's identity: Django keeps every pool it made for the life of the process.
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
