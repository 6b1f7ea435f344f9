"""Redis down (issue 18, faults): pages keep serving, and the broker's settings are chosen
so that a redelivered task is never one still running."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.factories import sign_in
from tests.test_settings import _manage

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1
TOLERANT = {"default": {"BACKEND": "lcspr.cache.TolerantRedisCache", "LOCATION": CLOSED}}


def test_the_plain_redis_cache_raises_when_redis_is_down():
    """What the tolerant cache is for: Django's own cache turns an outage into a 500."""
    with pytest.raises(RedisConnectionError):
        RedisCache(CLOSED, {}).get("anything")


def test_with_redis_down_the_cache_answers_nothing_cached_and_forgets_writes():
    with override_settings(CACHES=TOLERANT):
        cache = caches["default"]
        assert cache.get("k", "fallback") == "fallback"
        cache.set("k", 1)
        assert cache.add("k", 1) is False
        assert cache.get_many(["k"]) == {}
        cache.delete("k")


@pytest.mark.django_db
def test_with_redis_down_a_signed_in_person_still_gets_pages_and_the_api(client, leicester_office):
    """The API's rate limit counts in the cache; with Redis gone it lets requests through
    rather than failing them."""
    sign_in(client, leicester_office)
    with override_settings(CACHES=TOLERANT):
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/cases/").status_code == 200


def test_redis_redelivers_a_task_only_after_its_hard_time_limit_has_killed_it():
    """With acks_late a task stays unacknowledged while it runs; Redis hands it to another
    worker after visibility_timeout, so that must outlast the longest run."""
    show = (
        "from django.conf import settings as s; "
        "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], "
        "s.CELERY_TASK_TIME_LIMIT, s.CELERY_TASK_ACKS_LATE, s.CELERY_TASK_REJECT_ON_WORKER_LOST)"
    )
    for limit in (None, "1200"):
        extra = {"CELERY_TASK_TIME_LIMIT": limit} if limit else {}
        shown = _manage("shell", "--no-imports", "-c", show, DEBUG="1", REDIS_URL=CLOSED, **extra)
        visibility, hard_limit, acks_late, reject_lost = shown.stdout.split()
        assert int(visibility) > int(hard_limit), shown.stderr
        assert (acks_late, reject_lost) == ("True", "True")
