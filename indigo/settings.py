"""Indigo settings: one module, every deployment value read from the environment.

Defaults are for the zero-setup demo run (SQLite under var/, DEBUG on).
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

import datetime as dt
import ipaddress
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from indigo.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", True)

_DEMO_SECRET_KEY = "indigo-demo-only-not-for-production"  # noqa: S105 - refused below when DEBUG is off
SECRET_KEY = env_str("SECRET_KEY", _DEMO_SECRET_KEY if DEBUG else None)
if not DEBUG and SECRET_KEY == _DEMO_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set to a private value when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the portal's host names when DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files served from the portal's own static files, not a CDN (the CSP allows no other origin).
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "accounts",
    "vacancies",
    "placement",
]

MIDDLEWARE = [
    # Behind nginx: the client's address from X-Real-IP, believed from TRUSTED_PROXIES only.
    "indigo.proxy.TrustedProxyAddress",
    # Then: under overload it refuses before any session or database work (indigo/overload.py).
    "indigo.overload.AdmissionControl",
    "django.middleware.security.SecurityMiddleware",
    "indigo.csp.CSPMiddleware",
    # Before the session (its cookie is a query too): NUL characters answer 400, never a 500.
    "indigo.inputs.RefuseHostileInput",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.BlockedAccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "indigo.urls"
WSGI_APPLICATION = "indigo.wsgi.application"
ASGI_APPLICATION = "indigo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vacancies.context_processors.default_city",
            ],
            # {{ text|reason }}: the system's stored reasons in the reader's language (indigo/words.py).
            "builtins": ["indigo.words"],
        },
    },
]


def _database(url: str) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} is not a database URL Indigo understands: {exc}") from None
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        # Celery and the web server write to the demo database at once; IMMEDIATE makes
        # a second writer wait for the lock instead of failing with "database is locked".
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    elif engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_URL must point at PostgreSQL or SQLite, not {engine or url!r}.")
    else:
        # JIT spent ~120 ms compiling the queue query on every turn check; short OLTP queries never
        # win that back (docs/performance.md).
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": _database(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'indigo.sqlite3'}"))}
# PgBouncer in transaction pooling (deploy/pgbouncer.ini) hands each transaction whichever server
# connection is free: a cursor held open across transactions (server-side cursors, .iterator()) or a
# session setting would land on another client's connection. psycopg2 prepares no statements, and
# the only session setting, jit=off, is made on the database by `make prod-local` (ALTER DATABASE).
DATABASE_POOLING = env_str("DATABASE_POOLING", "session")
if DATABASE_POOLING not in {"session", "transaction"}:
    raise ImproperlyConfigured(f"DATABASE_POOLING={DATABASE_POOLING!r}: use session or transaction.")
if DATABASE_POOLING == "transaction" and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # PgBouncer refuses startup parameters it does not know, "options" among them.
    DATABASES["default"]["OPTIONS"].pop("options", None)
# A streaming replica for the public read pages (indigo/db_router.py); never written, never migrated.
_replica_url = env_str("DATABASE_REPLICA_URL", "")
if _replica_url:
    DATABASES["replica"] = {**_database(_replica_url), "TEST": {"MIRROR": "default"}}
    if DATABASE_POOLING == "transaction":
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["replica"]["OPTIONS"].pop("options", None)
    DATABASE_ROUTERS = ["indigo.db_router.PublicReadRouter"]
SILENCED_SYSTEM_CHECKS = []
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The registry's covering index (vacancies.Seat) carries two columns SQLite cannot include; the
    # demo's index works without them.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out account or address is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.IdentifierBackend",
]

# Kazakh first: it is the state language and the portal's default.
LANGUAGE_CODE = "kk"
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]
# Kazakh date formats (Django ships none) and dd.mm.yyyy date input in every language.
FORMAT_MODULE_PATH = ["indigo.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Every deadline is computed in Astana time; the tz database carries the 2024 switch to UTC+5.
TIME_ZONE = "Asia/Almaty"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.IndigoSessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "indigo.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Indigo API",
    "DESCRIPTION": "Kindergarten placement: vacancy registry, protocols, queue and referrals.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TIMEZONE = "Asia/Almaty"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE = {
    # The day's close: referrals, the protocol, then the positions and waits (placement/day_close.py).
    "publish-protocols-18-00": {
        "task": "placement.tasks.close_days",
        "schedule": crontab(hour=18, minute=0),
    },
    "advance-access-00-01": {
        "task": "vacancies.tasks.advance_access",
        "schedule": crontab(hour=0, minute=1),
    },
    # After the protocol (18:00) and after summer windows open at midnight.
    "notify-turns": {
        "task": "placement.tasks.notify_turns",
        "schedule": crontab(hour="0,18", minute=5),
    },
    # R-W-4: each claim window is allocated in the minute after its close (and late ones catch up).
    "allocate-claim-windows": {
        "task": "placement.window.tasks.allocate_due_windows",
        "schedule": crontab(minute="*"),
    },
    # Referral SMS a claim's server did not get to schedule (placement/notifications.py).
    "notify-untold-referrals": {
        "task": "placement.tasks.notify_referrals_untold",
        "schedule": crontab(minute="*"),
    },
    "remind-expiring-referrals-10-00": {
        "task": "placement.tasks.notify_referrals_expiring",
        "schedule": crontab(hour=10, minute=0),
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp 4): scripts, styles, images and connections from the portal
# itself only; no inline script or style anywhere (static/js, static/css), no framing, forms post home.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # The referral's QR code is inline SVG; Swagger UI draws a few icons as data: URLs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# ALLOW_PLAIN_HTTP=1 runs the production settings over plain HTTP for a local test on 127.0.0.1
# (make prod-local): no redirect to HTTPS, cookies not marked secure, no HSTS. Refused unless every
# ALLOWED_HOSTS entry is a loopback name, so it cannot weaken a real deployment by mistake.
ALLOW_PLAIN_HTTP = env_bool("ALLOW_PLAIN_HTTP", False)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
if ALLOW_PLAIN_HTTP and not set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS:
    raise ImproperlyConfigured(
        "ALLOW_PLAIN_HTTP=1 is only for local tests: every ALLOWED_HOSTS entry must be 127.0.0.1, localhost "
        f"or [::1], not {', '.join(sorted(set(ALLOWED_HOSTS) - LOOPBACK_HOSTS))}."
    )
if not DEBUG:
    SESSION_COOKIE_SECURE = not ALLOW_PLAIN_HTTP
    CSRF_COOKIE_SECURE = not ALLOW_PLAIN_HTTP
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True) and not ALLOW_PLAIN_HTTP
    # A year: what browsers' HSTS preload rules and `check --deploy` expect of a production site.
    SECURE_HSTS_SECONDS = 0 if ALLOW_PLAIN_HTTP else env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    # The proxy in front (nginx) must set X-Forwarded-Proto to the scheme the browser used, and
    # overwrite any value the client sent: Django believes it (README, Configuration).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is a commitment the operator makes by hand, not a default.
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- Accounts and security (R-A-1…R-A-4) ---------------------------------------------------------
# A working day's session; the cookie is not readable by scripts and not sent cross-site.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=300)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies (addresses or networks) whose X-Real-IP names the client (indigo/proxy.py).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network.") from None
# The CSRF refusal as a page in the user's language with a way back (indigo/views.py).
CSRF_FAILURE_VIEW = "indigo.views.csrf_failure"


def _cache(url: str) -> dict:
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "indigo.cache.RedisCache", "LOCATION": url}
    if url == "locmem://":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "indigo"}
    raise ImproperlyConfigured(f"CACHE_URL={url!r}: use redis://host:6379/N (production) or locmem:// (demo).")


# Rate limits live here: with several web processes use Redis, LocMem counts per process.
CACHES = {"default": _cache(env_str("CACHE_URL", "locmem://"))}
# With a shared cache (Redis) a request reads its session from there, not from the database; the
# database stays the record. A per-process cache could keep a signed-out session alive elsewhere.
_SHARED_CACHE = CACHES["default"]["BACKEND"].endswith("RedisCache")
SESSION_ENGINE = f"django.contrib.sessions.backends.{'cached_db' if _SHARED_CACHE else 'db'}"

# django-axes: LOGIN_FAILURE_LIMIT wrong passwords lock an account, LOGIN_ADDRESS_FAILURE_LIMIT lock an
# address (higher: a mobile operator's NAT puts many families behind one), for LOGIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50, minimum=1)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "accounts.backends.AccountAndAddressLockout"
AXES_USERNAME_CALLABLE = "accounts.backends.lockout_username"
AXES_CLIENT_IP_CALLABLE = "accounts.net.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in Indigo's own audit log
AXES_VERBOSE = False  # its start-up banner would mix into management commands' output

# One-time codes by SMS: valid PHONE_CODE_TTL_SECONDS, a few wrong tries, a few sends an hour.
PHONE_CODE_TTL_SECONDS = env_int("PHONE_CODE_TTL_SECONDS", 300, minimum=30)
PHONE_CODE_MAX_ATTEMPTS = 5
PHONE_CODE_MAX_SENDS = 3
PHONE_CODE_RESEND_SECONDS = 60
PHONE_CODE_IP_RATE = "10/h"
# Cabinet sharing: logins this many hours old with live sessions count as concurrent.
SHARING_WINDOW_HOURS = env_int("SHARING_WINDOW_HOURS", 24, minimum=1)

# Notification senders (indigo/senders.py): console for the demo, memory in tests, the SMS gateway in production.
SMS_SENDER = env_str("SMS_SENDER", "console")
EMAIL_SENDER = env_str("EMAIL_SENDER", "console")
if SMS_SENDER not in {"console", "memory", "http"}:
    raise ImproperlyConfigured(f"SMS_SENDER={SMS_SENDER!r}: use console, memory or http.")
if EMAIL_SENDER not in {"console", "memory", "smtp"}:
    raise ImproperlyConfigured(f"EMAIL_SENDER={EMAIL_SENDER!r}: use console, memory or smtp.")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10, minimum=1)
if SMS_SENDER == "http" and not SMS_GATEWAY_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("SMS_SENDER=http needs SMS_GATEWAY_URL (and SMS_GATEWAY_TOKEN).")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Indigo <noreply@localhost>")
if EMAIL_SENDER == "smtp":
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
CELERY_IMPORTS = ["indigo.senders"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every attempt at INFO; Indigo's audit log already records them.
    "loggers": {"axes": {"level": "WARNING"}},
}

DEFAULT_CITY_SLUG = env_str("DEFAULT_CITY_SLUG", "temirtau")

# Admission control per web process (indigo/overload.py, docs/performance.md): requests in flight,
# how many more may wait and how long, before the rest get 503 + Retry-After. 0 turns it off.
# R-S-6 in a rush: "not your turn" refused from each market's ranking of at most this many ms ago
# (placement/queue/turns.py); a claim let through is always checked exactly. 0 checks every claim exactly.
TURN_SNAPSHOT_MS = env_int("TURN_SNAPSHOT_MS", 1000, minimum=0)
# R-W-3: a bid is judged against its window's open groups and seats as the shared cache held them at
# most this many seconds ago, and in priority access against the window's ranking of at most
# WINDOW_TURN_SNAPSHOT_S ago (placement/window/snapshot.py); the allocation judges all again at the close.
WINDOW_SNAPSHOT_S = env_int("WINDOW_SNAPSHOT_S", 10, minimum=0)
WINDOW_TURN_SNAPSHOT_S = env_int("WINDOW_TURN_SNAPSHOT_S", 60, minimum=0)
# The longest wait for a row lock (indigo/locking.py); past it the user is told "busy, try again".
LOCK_TIMEOUT_MS = env_int("LOCK_TIMEOUT_MS", 3000, minimum=1)
OVERLOAD_MAX_IN_FLIGHT = env_int("OVERLOAD_MAX_IN_FLIGHT", 0, minimum=0)
OVERLOAD_MAX_WAITING = env_int("OVERLOAD_MAX_WAITING", 16, minimum=0)
OVERLOAD_WAIT_MS = env_int("OVERLOAD_WAIT_MS", 500, minimum=0)
OVERLOAD_RETRY_AFTER = env_int("OVERLOAD_RETRY_AFTER", 2, minimum=1)
# Load balancers must still see a live process when it sheds load.
OVERLOAD_EXEMPT_PATHS = ["/healthz"]

if CELERY_BROKER_URL.startswith("filesystem://"):
    # Zero-setup demo without Redis: kombu's folder transport, one folder for both directions.
    _broker_dir = VAR_DIR / "celery-broker"
    _broker_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(_broker_dir), "data_folder_out": str(_broker_dir)}
