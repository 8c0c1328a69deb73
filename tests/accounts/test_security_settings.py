"""R-A-4 production settings: `check --deploy` is clean, bad security settings stop start-up."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it.
    ignored = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {key: value for key, value in os.environ.items() if key not in ignored}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def production(**extra):
    key = "".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(50))
    return {"DEBUG": "0", "SECRET_KEY": key, "ALLOWED_HOSTS": "indigo.example.kz", **extra}


def test_it_passes_the_deployment_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CACHE_URL": "memcached://127.0.0.1"}, "CACHE_URL='memcached://127.0.0.1'"),
        ({"SMS_SENDER": "pigeon"}, "SMS_SENDER='pigeon'"),
        ({"SMS_SENDER": "http"}, "SMS_SENDER=http needs SMS_GATEWAY_URL"),
        ({"EMAIL_SENDER": "fax"}, "EMAIL_SENDER='fax'"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT=0 must be at least 1"),
    ],
)
def test_it_explains_bad_security_settings(env, message):
    result = manage("check", **env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_it_uses_redis_for_the_cache_when_asked():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)",
        CACHE_URL="redis://127.0.0.1:6379/14",
    )
    # Django's Redis cache keeping its client (indigo/cache.py), and sessions read from it.
    backend, sessions = result.stdout.strip().splitlines()[-1].split()
    assert backend == "indigo.cache.RedisCache", result.stderr
    assert sessions == "django.contrib.sessions.backends.cached_db"


def test_it_keeps_sessions_in_the_database_with_a_per_process_cache():
    command = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    result = manage("shell", "-c", command, CACHE_URL="locmem://")
    assert result.stdout.strip().splitlines()[-1] == "django.contrib.sessions.backends.db", result.stderr


def test_the_redis_cache_answers_with_one_client_per_pool():
    from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

    from indigo.cache import RedisCache

    cache = RedisCache("redis://127.0.0.1:6379/14", {"KEY_PREFIX": "indigo-test-client"})
    assert isinstance(cache, DjangoRedisCache)
    cache.set("k", {"a": 1}, 30)
    assert cache.add("k", 2, 30) is False
    assert cache.get("k") == {"a": 1}
    cache.delete("n")
    assert cache.add("n", 0, 30) is True
    assert cache.incr("n") == 1
    assert cache._cache.get_client() is cache._cache.get_client()
    cache.delete_many(["k", "n"])
    assert cache.get("k") is None
