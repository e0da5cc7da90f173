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
# The reverse proxies in front of the app (IPs or CIDRs, comma-separated): only from them is
# X-Forwarded-For believed; otherwise the audit log records the connection's own address.
TRUSTED_PROXIES = env_list("SHOUHU_TRUSTED_PROXIES", [])

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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "shouhu.core",
    "shouhu.regions",
    "shouhu.accounts",
    "shouhu.policy",
    "shouhu.registry",
    "shouhu.eligibility",
    "shouhu.casework",
    "shouhu.safeguarding",
    "shouhu.placements",
    "shouhu.guardianship",
    "shouhu.custody",
    "shouhu.web",
    "shouhu.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shouhu.core.middleware.ContentSecurityPolicyMiddleware",
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
    "shouhu.accounts.signin.middleware.TwoFactorMiddleware",
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
# Django's validators with their messages in Chinese (Django 5.2's zh_Hans catalogue misses the
# "too short" message since its text changed): shouhu/accounts/passwords.py.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "shouhu.accounts.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "shouhu.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "shouhu.accounts.passwords.CommonPasswordValidator"},
    {"NAME": "shouhu.accounts.passwords.NumericPasswordValidator"},
]
# Sign-in throttling (shouhu/accounts/signin/throttle.py, docs/security.md "Sign-in"): failures
# counted over a window per account name and per client address; after SLOW_AFTER failures each
# further try must wait (1 s, 2 s, 4 s … at most a minute) and after LOCK_AFTER it is locked for
# SIGNIN_LOCK_SECONDS unless an administrator lifts the lock. Kept in the database, so every web
# process sees the same counts.
SIGNIN_WINDOW_SECONDS = int(os.environ.get("SHOUHU_SIGNIN_WINDOW_SECONDS", str(15 * 60)))
SIGNIN_LOCK_SECONDS = int(os.environ.get("SHOUHU_SIGNIN_LOCK_SECONDS", str(15 * 60)))
SIGNIN_ACCOUNT_SLOW_AFTER = 3
SIGNIN_ACCOUNT_LOCK_AFTER = int(os.environ.get("SHOUHU_SIGNIN_ACCOUNT_LOCK_AFTER", "5"))
SIGNIN_ADDRESS_SLOW_AFTER = 10
SIGNIN_ADDRESS_LOCK_AFTER = int(os.environ.get("SHOUHU_SIGNIN_ADDRESS_LOCK_AFTER", "20"))
# Two-factor sign-in (TOTP): the name authenticator apps show; how long a password step waits for its code.
OTP_TOTP_ISSUER = "守护"
SIGNIN_CODE_STEP_SECONDS = 5 * 60

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
# Sent with every response (shouhu/core/middleware.py). No inline scripts, styles or event handlers
# anywhere: behaviour is in static files (shouhu/static/shouhu/forms.js). Empty turns it off.
CONTENT_SECURITY_POLICY = os.environ.get(
    "SHOUHU_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'",
)
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
# A roster import being checked or written holds a lease this long, renewed as it works (a commit in
# progress holds its row instead: it is one transaction). A run whose lease ran out (its worker or
# web process died) is checked again (up to IMPORT_RUN_MAX_ATTEMPTS times) or, when it was being
# written, marked failed for the user to retry or cancel (`registry.recover_import_runs`).
IMPORT_RUN_LEASE_SECONDS = int(os.environ.get("SHOUHU_IMPORT_LEASE_SECONDS", "600"))
IMPORT_RUN_MAX_ATTEMPTS = 3
SHOUHU_COUNTY_CODE = "210522000000"
SHOUHU_NAV_TITLE = _("守护 · 困境儿童保障")

# Uploaded workbooks and documents (docs/security.md, "Hostile files"): checked before parsing
# (core/office_guard.py), then parsed in a child process under these limits (core/sandbox.py).
SHOUHU_PARSE_MEMORY_MB = int(os.environ.get("SHOUHU_PARSE_MEMORY_MB", "1024"))
SHOUHU_PARSE_SECONDS = int(os.environ.get("SHOUHU_PARSE_SECONDS", "300"))
SHOUHU_TABLE_PARSE_SECONDS = int(os.environ.get("SHOUHU_TABLE_PARSE_SECONDS", "30"))  # the worker reading an upload
SHOUHU_ROSTER_MAX_ROWS = int(os.environ.get("SHOUHU_ROSTER_MAX_ROWS", "200000"))
SHOUHU_ROSTER_MAX_COLUMNS = int(os.environ.get("SHOUHU_ROSTER_MAX_COLUMNS", "200"))
SHOUHU_ROSTER_MAX_UNPACKED_MB = int(os.environ.get("SHOUHU_ROSTER_MAX_UNPACKED_MB", "1024"))
SHOUHU_ROSTER_MAX_MEMBER_MB = int(os.environ.get("SHOUHU_ROSTER_MAX_MEMBER_MB", "768"))
SHOUHU_TABLE_MAX_ROWS = int(os.environ.get("SHOUHU_TABLE_MAX_ROWS", "5000"))
SHOUHU_TABLE_MAX_COLUMNS = int(os.environ.get("SHOUHU_TABLE_MAX_COLUMNS", "50"))
SHOUHU_TABLE_MAX_UNPACKED_MB = int(os.environ.get("SHOUHU_TABLE_MAX_UNPACKED_MB", "100"))
SHOUHU_DOCUMENT_MAX_UNPACKED_MB = int(os.environ.get("SHOUHU_DOCUMENT_MAX_UNPACKED_MB", "200"))
SHOUHU_OFFICE_MAX_RATIO = int(os.environ.get("SHOUHU_OFFICE_MAX_RATIO", "200"))
