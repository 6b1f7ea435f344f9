"""A Redis cache that a Redis outage cannot turn into error pages.

The cache holds nothing that must survive (the API's rate counts, a count of refusals):
while Redis cannot be reached, a read answers "not cached" and a write is forgotten, and
each failure is logged. Sessions and sign-in lockouts are kept in the database.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_OUTAGE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


def _tolerant(method, fallback):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except _OUTAGE:
            logger.warning("cache unreachable: %s skipped", method.__name__)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    return wrapper


def _default(key, default=None, *args, **kwargs):
    return default


class OutageTolerantRedisCache(RedisCache):
    get = _tolerant(RedisCache.get, _default)
    get_many = _tolerant(RedisCache.get_many, {})
    set = _tolerant(RedisCache.set, None)
    set_many = _tolerant(RedisCache.set_many, [])
    add = _tolerant(RedisCache.add, False)
    touch = _tolerant(RedisCache.touch, False)
    delete = _tolerant(RedisCache.delete, False)
    delete_many = _tolerant(RedisCache.delete_many, None)
    has_key = _tolerant(RedisCache.has_key, False)
    clear = _tolerant(RedisCache.clear, False)
    # No count can be kept: the caller (cases/services/access.py) already carries on.
    incr = _tolerant(RedisCache.incr, 1)
