"""R-A-4 production settings: `check --deploy` is clean, bad security settings stop start-up."""

import os
import re
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


# --- Issue 14, item 5: headers, the API docs from our own files, HSTS, plain HTTP on loopback ------------

TEMPLATES = ROOT / "templates"
# <script> with a src or a JSON data block (json_script) is fine; any other inline script, any
# <style> element, style="" attribute or on…="" handler would be refused by the CSP.
INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE),
    re.compile(r"<style\b", re.IGNORECASE),
    re.compile(r"\sstyle\s*=", re.IGNORECASE),
    re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    re.compile(r"javascript:", re.IGNORECASE),
]


TEMPLATE_COMMENTS = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


def test_it_keeps_no_inline_script_or_style_in_templates():
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for pattern in INLINE
        for match in pattern.finditer(TEMPLATE_COMMENTS.sub("", path.read_text(encoding="utf-8")))
    ]
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_it_sends_a_content_security_policy(client):
    policy = client.get("/healthz")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
def test_it_serves_the_api_docs_from_its_own_static_files(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in s for s in sources)
    assert "<script>" not in html and "<style>" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_it_sets_hsts_to_a_year_in_production():
    command = (
        "from django.conf import settings; "
        "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE)"
    )
    result = manage("shell", "-c", command, **production())
    assert result.stdout.split()[-3:] == ["31536000", "True", "True"], result.stderr


def test_it_runs_production_settings_over_plain_http_on_loopback():
    command = (
        "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS, settings.DEBUG)"
    )
    env = production(ALLOWED_HOSTS="127.0.0.1,localhost,[::1]", ALLOW_PLAIN_HTTP="1")
    result = manage("shell", "-c", command, **env)
    assert result.stdout.split()[-5:] == ["False", "False", "False", "0", "False"], result.stderr


@pytest.mark.parametrize("hosts", ["indigo.example.kz", "127.0.0.1,indigo.example.kz", "0.0.0.0", "*"])  # noqa: S104
def test_it_refuses_plain_http_for_a_host_that_is_not_loopback(hosts):
    result = manage("check", **production(ALLOWED_HOSTS=hosts, ALLOW_PLAIN_HTTP="1"))
    assert result.returncode == 2
    assert "ALLOW_PLAIN_HTTP=1 is only for local tests" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_the_policy_built_once_is_django_csps_own_and_follows_the_settings(client, settings, rf):
    from csp.decorators import csp_update
    from csp.utils import build_policy
    from django.http import HttpResponse

    from indigo.csp import CSPMiddleware

    assert client.get("/api/v1/me/")["Content-Security-Policy"] == build_policy()
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    answer = client.get("/healthz")
    directives = {part.strip() for part in answer["Content-Security-Policy"].split(";")}
    assert directives == {"default-src 'self'", "img-src 'self' data:"}
    assert answer["Content-Security-Policy-Report-Only"] == "default-src 'none'"
    # A view's own policy still goes through django-csp.
    view = csp_update({"img-src": "https://maps.example"})(lambda request: HttpResponse("ok"))
    request = rf.get("/")
    middleware = CSPMiddleware(view)
    response = middleware(request)
    assert "https://maps.example" in response["Content-Security-Policy"]
