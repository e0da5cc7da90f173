"""One settings module, configured from SHOUHU_* environment variables.

Defaults are safe for development (SQLite beside the code, DEBUG on); production sets
SHOUHU_DEBUG=0, SHOUHU_SECRET_KEY, SHOUHU_ENCRYPTION_KEY, SHOUHU_ALLOWED_HOSTS and
SHOUHU_DATABASE_URL. `shouhu check --deploy` then passes.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(os.environ.get("SHOUHU_DATA_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("SHOUHU_DEBUG", True)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = os.environ.get("SHOUHU_SECRET_KEY", _DEV_SECRET)
# Base64 of 32 bytes; used for field encryption of ID numbers, phones and addresses.
_DEV_ENCRYPTION_KEY = "c2hvdWh1LWRldi1vbmx5LWVuY3J5cHRpb24ta2V5ISE="
ENCRYPTION_KEY = os.environ.get("SHOUHU_ENCRYPTION_KEY", _DEV_ENCRYPTION_KEY)
# Previous keys, comma-separated, still accepted for decryption after a rotation.
ENCRYPTION_OLD_KEYS = env_list("SHOUHU_ENCRYPTION_OLD_KEYS", [])
ALLOWED_HOSTS = env_list("SHOUHU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("SHOUHU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # so its API docs render from local static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "shouhu.core",
    "shouhu.regions",
    "shouhu.accounts",
    "shouhu.policy",
    "shouhu.registry",
    "shouhu.eligibility",
    "shouhu.casework",
    "shouhu.web",
    "shouhu.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shouhu.api.errors.ApiInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shouhu.core.middleware.RequestContextMiddleware",
    "shouhu.core.replica.ReplicaMiddleware",
]

ROOT_URLCONF = "shouhu.urls"
WSGI_APPLICATION = "shouhu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shouhu.web.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("SHOUHU_DATABASE_URL", f"sqlite:///{DATA_DIR / 'shouhu.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids
    # "database is locked" upgrades when two writers start a transaction together.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if os.environ.get("SHOUHU_TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["SHOUHU_TEST_DATABASE_NAME"]}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests with threads (concurrent transitions) need a database that every
    # connection shares. One per test process, removed when the run ends.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
# Read replica (docs/scaling.md, "Read replica"): dashboards, lists and exports read from it while
# it answers and lags less than SHOUHU_REPLICA_MAX_LAG_SECONDS; writes and all else use "default".
REPLICA_URL = os.environ.get("SHOUHU_REPLICA_URL", "")
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("SHOUHU_REPLICA_MAX_LAG_SECONDS", "30"))
REPLICA_CHECK_SECONDS = 5.0  # how long a process trusts its last look at the replica
if REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        # A replica that does not answer must cost a page little.
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests create no second database: the alias reads the default's test database (on its own server).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["shouhu.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root; SQLite needs DATA_DIR too

# Large list totals and deep-page starts are remembered for a minute (shouhu/web/pagination.py).
# In files under DATA_DIR, so every web process on the machine shares them: counting 214,147
# duplicate pairs takes ~0.8 s at province size, and with a per-process cache each gunicorn worker
# paid it every minute (docs/performance.md, "Web under load"). No other service is needed. Keys name
# the database (`cache_key`), so tests and the product sharing a DATA_DIR never mix answers.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
        "KEY_FUNCTION": "shouhu.web.caching.cache_key",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get("SHOUHU_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

CSRF_FAILURE_VIEW = "shouhu.web.errors.csrf_failure"  # a Chinese page with a way back
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SHOUHU_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SHOUHU_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SHOUHU_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SHOUHU_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload is a policy choice for the operator

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHOUHU_LOG_LEVEL", "INFO")},
    # The worker drains the queue every second; its per-batch start/stop lines are noise.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django_tasks_db": {"level": "WARNING"}},
}

# Outbound messages (SMS gateway); the default writes them to the log.
OUTBOUND_BACKEND = os.environ.get("SHOUHU_OUTBOUND_BACKEND", "shouhu.core.outbound.LogChannel")

# Days after a supervision period ends by which each unit's progress report is due.
SUPERVISION_REPORT_DUE_DAYS = int(os.environ.get("SHOUHU_SUPERVISION_REPORT_DUE_DAYS", "10"))

# Product settings
SHOUHU_PAGE_SIZE = 50
# Working days a department has to accept and to decide a referral, unless a measure says otherwise.
REFERRAL_ACCEPT_DAYS = 3
REFERRAL_DECIDE_DAYS = 15
# Warn this many working days before a referral deadline.
REFERRAL_WARN_DAYS = 1
# A screening part (one township of a run) not finished this many seconds after a worker took it is
# taken again by any worker (its first attempt died or hangs; parts are one transaction each).
SCREENING_PART_LEASE_SECONDS = int(os.environ.get("SHOUHU_SCREENING_PART_LEASE_SECONDS", "900"))
SCREENING_PART_MAX_ATTEMPTS = 3
SHOUHU_COUNTY_CODE = "210522000000"
SHOUHU_NAV_TITLE = _("守护 · 困境儿童保障")
