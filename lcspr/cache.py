"""The shared cache: Redis, whose outage costs counts, never a page.

The cache holds only rate-limit counters (the API's per-token throttle, the budget of
log lines for refused anonymous requests). Sessions, sign-in lockouts (django-axes),
second-factor throttles (django-otp) and staged uploads are in the database, which
every web host shares, so nothing a person relies on is lost with Redis. While Redis is
unreachable a read answers "not cached" and a write is dropped: limits are not counted
until it returns, and every page and API answer is still served (README, More than one
web host). `incr`, `decr` and `clear` still raise, since a caller that counts must know
that the count is unknown (cases/services/access.py does).
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# One warning a minute per process while Redis is away, not one per request.
_WARN_EVERY_SECONDS = 60
_warned_at = [float("-inf")]


def _unavailable(operation: str, error: Exception) -> None:
    now = time.monotonic()
    if now - _warned_at[0] >= _WARN_EVERY_SECONDS:
        _warned_at[0] = now
        logger.warning(
            "cache unavailable (%s: %s): serving without it", operation, type(error).__name__
        )


class TolerantRedisCache(RedisCache):
    """Django's Redis cache, answering a miss (reads) or nothing (writes) while Redis is
    unreachable, rather than raising into the request."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            _unavailable("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            _unavailable("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            _unavailable("has_key", error)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            _unavailable("add", error)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            _unavailable("set", error)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            _unavailable("set_many", error)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            _unavailable("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            _unavailable("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except RedisError as error:
            _unavailable("delete_many", error)
