"""Django settings, read from the environment so that no hand-made config file is needed.

Every bound is a named setting with its unit in the name (see docs/admin-guide.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


SATUDATA_HOME = Path(os.environ.get("SATUDATA_HOME", "satudata-data")).resolve()
SATUDATA_HOME.mkdir(parents=True, exist_ok=True)
BLOB_ROOT = SATUDATA_HOME / "blobs"
LOG_DIR = SATUDATA_HOME / "logs"


def _load_or_create_secret_key(home: Path) -> str:
    """Generate the secret key once and keep it in the home folder (mode 600)."""
    from_env = os.environ.get("SATUDATA_SECRET_KEY")
    if from_env:
        return from_env
    key_file = home / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = _load_or_create_secret_key(SATUDATA_HOME)
DEBUG = _env_bool("SATUDATA_DEBUG")
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get(
        "SATUDATA_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver"
    ).split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("SATUDATA_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "satudata.core",
    "satudata.accounts",
    "satudata.regions",
    "satudata.catalog",
    "satudata.warehouse",
    "satudata.workflow",
    "satudata.monitoring",
    "satudata.api",
    "satudata.connectors",
    "satudata.dashboards",
    "satudata.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "satudata.core.middleware.RequestIdMiddleware",
    "satudata.api.middleware.ApiMiddleware",  # /api/: keys, rate limits, request log
    "django.contrib.sessions.middleware.SessionMiddleware",
    "satudata.accounts.middleware.LanguageChoiceMiddleware",  # Indonesian unless switched
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# API gateway (api/middleware.py). Rates are "<requests>/<seconds>", "0" switches one off; per
# key for requests with a key, per client address without. With the default local-memory cache
# each server process counts on its own; SATUDATA_REDIS_URL makes the count shared.
SATUDATA_API_RATE_PER_KEY = os.environ.get("SATUDATA_API_RATE_PER_KEY", "3000/60")
SATUDATA_API_RATE_PER_IP = os.environ.get("SATUDATA_API_RATE_PER_IP", "1200/60")
# Reverse proxies whose X-Forwarded-For is believed for the client address (rate limits, log-in
# throttling, request logs), addresses or networks, comma-separated. By default the machine
# itself, where the usual reverse proxy runs; add a proxy that runs elsewhere.
SATUDATA_TRUSTED_PROXIES = [
    item.strip()
    for item in os.environ.get(
        "SATUDATA_TRUSTED_PROXIES",
        os.environ.get("SATUDATA_API_TRUSTED_PROXIES", "127.0.0.0/8,::1/128"),
    ).split(",")
    if item.strip()
]
# Client addresses without a per-address limit (the machine itself: health checks, scripts).
SATUDATA_API_RATE_EXEMPT = [
    item.strip()
    for item in os.environ.get("SATUDATA_API_RATE_EXEMPT", "127.0.0.0/8,::1/128").split(",")
    if item.strip()
]
# Request log: written in batches (this many, or after this many seconds), kept this many days.
SATUDATA_API_LOG_BATCH = _env_int("SATUDATA_API_LOG_BATCH", 200)
SATUDATA_API_LOG_FLUSH_S = _env_int("SATUDATA_API_LOG_FLUSH_S", 2)
SATUDATA_API_LOG_RETENTION_DAYS = _env_int("SATUDATA_API_LOG_RETENTION_DAYS", 90)
# Push ingest: largest request body, and how long an Idempotency-Key is remembered.
SATUDATA_API_PUSH_MAX_MB = _env_int("SATUDATA_API_PUSH_MAX_MB", 50)
SATUDATA_API_IDEMPOTENCY_HOURS = _env_int("SATUDATA_API_IDEMPOTENCY_HOURS", 24)

ROOT_URLCONF = "satudata.urls"
WSGI_APPLICATION = "satudata.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "satudata.core.context_processors.site",
            ],
        },
    },
]

SQLITE_PATH = SATUDATA_HOME / "satudata.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=_env_int("SATUDATA_DB_CONN_MAX_AGE_S", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue (busy timeout) instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "catalog:home"
LOGOUT_REDIRECT_URL = "catalog:home"

# Log-in throttling: after this many failures for one username or one client address inside the
# window, further attempts are refused until the window has passed.
SATUDATA_LOGIN_MAX_FAILURES = _env_int("SATUDATA_LOGIN_MAX_FAILURES", 5)
SATUDATA_LOGIN_LOCKOUT_S = _env_int("SATUDATA_LOGIN_LOCKOUT_S", 900)

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("SATUDATA_TIME_ZONE", "Asia/Makassar")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = SATUDATA_HOME / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the package folders too, so `satudata serve` works before collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 3600

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "satudata",
    }
}
if os.environ.get("SATUDATA_REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["SATUDATA_REDIS_URL"],
    }

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if _env_bool("SATUDATA_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = os.environ.get(
    "SATUDATA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("SATUDATA_FROM_EMAIL", "satudata@localhost")

# Region the portal is about (Kemendagri code). Klungkung is the reference deployment.
SATUDATA_REGION_CODE = os.environ.get("SATUDATA_REGION_CODE", "51.05")
SATUDATA_SITE_NAME = os.environ.get("SATUDATA_SITE_NAME", "Satu Data Kabupaten Klungkung")

# Upload and data bounds.
SATUDATA_UPLOAD_MAX_MB = _env_int("SATUDATA_UPLOAD_MAX_MB", 200)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
SATUDATA_PREVIEW_PAGE_SIZE = _env_int("SATUDATA_PREVIEW_PAGE_SIZE", 25)
SATUDATA_CATALOG_PAGE_SIZE = _env_int("SATUDATA_CATALOG_PAGE_SIZE", 20)
SATUDATA_DUCKDB_MEMORY_LIMIT_MB = _env_int("SATUDATA_DUCKDB_MEMORY_LIMIT_MB", 1024)
SATUDATA_DUCKDB_THREADS = _env_int("SATUDATA_DUCKDB_THREADS", 2)
# API/dashboard queries keep recently queried versions in memory (warehouse/query.py), up to this
# many cells (rows x columns) per server process, least recently used dropped first; 0 = never.
SATUDATA_QUERY_MEMORY_CELLS = _env_int("SATUDATA_QUERY_MEMORY_CELLS", 12_000_000)
# Version comparison: above this many rows (both versions together) it runs as a background job;
# a running job older than STALE_S is started again; stored comparisons are kept MAX_AGE_H hours.
SATUDATA_COMPARE_INLINE_MAX_ROWS = _env_int("SATUDATA_COMPARE_INLINE_MAX_ROWS", 1_000_000)
SATUDATA_COMPARE_STALE_S = _env_int("SATUDATA_COMPARE_STALE_S", 1800)
SATUDATA_COMPARE_MAX_AGE_H = _env_int("SATUDATA_COMPARE_MAX_AGE_H", 168)
# XLSX is offered up to one Excel sheet of rows (longer versions: CSV/Parquet); built download
# files are kept this many hours after their last use.
SATUDATA_XLSX_MAX_ROWS = _env_int("SATUDATA_XLSX_MAX_ROWS", 1_048_575)
SATUDATA_EXPORT_CACHE_MAX_AGE_H = _env_int("SATUDATA_EXPORT_CACHE_MAX_AGE_H", 72)
# Validation reports list this many problems of each type (all are counted), and keep at most
# this many rows with problems for the report page and the "rows to fix" download.
SATUDATA_VALIDATION_LISTED_PER_TYPE = _env_int("SATUDATA_VALIDATION_LISTED_PER_TYPE", 100)
SATUDATA_VALIDATION_ISSUE_ROWS_MAX = _env_int("SATUDATA_VALIDATION_ISSUE_ROWS_MAX", 100_000)

# Reading files (warehouse/ingest): ZIP bounds (also for the ZIP inside XLSX/ODS) against zip
# bombs, the longest cell, and the largest JSON document (JSON is parsed whole).
SATUDATA_ZIP_MAX_RATIO = _env_int("SATUDATA_ZIP_MAX_RATIO", 100)
SATUDATA_ZIP_MAX_UNCOMPRESSED_MB = _env_int("SATUDATA_ZIP_MAX_UNCOMPRESSED_MB", 1024)
SATUDATA_ZIP_MAX_FILES = _env_int("SATUDATA_ZIP_MAX_FILES", 10_000)
SATUDATA_CELL_MAX_CHARS = _env_int("SATUDATA_CELL_MAX_CHARS", 1_000_000)
SATUDATA_JSON_MAX_MB = _env_int("SATUDATA_JSON_MAX_MB", 100)

# Background jobs (warehouse/tasks.py, Huey): the SQLite queue in the home folder, or Redis
# when SATUDATA_REDIS_URL is set. A job runs in the request itself when no worker has shown a
# heartbeat within SATUDATA_WORKER_HEARTBEAT_S.
SATUDATA_JOBS_DB = SATUDATA_HOME / "jobs.sqlite3"
SATUDATA_WORKER_THREADS = _env_int("SATUDATA_WORKER_THREADS", 1)
SATUDATA_WORKER_HEARTBEAT_S = _env_int("SATUDATA_WORKER_HEARTBEAT_S", 30)
SATUDATA_SPOOL_MAX_AGE_H = _env_int("SATUDATA_SPOOL_MAX_AGE_H", 24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SATUDATA_LOG_LEVEL", "WARNING")},
}
