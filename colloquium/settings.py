"""
The one settings module. Everything that differs between a laptop and production comes from the
environment; with no environment at all it runs on SQLite in the project folder.
"""

import os
import zoneinfo
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false).")


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


DEBUG = env_bool("DEBUG", default=False)

# A laptop gets a throwaway key; a production start without SECRET_KEY refuses to run.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The site's one public address, scheme and host (and port), as canonical links, og:url, feeds,
# sitemaps, robots.txt and calendars give it (colloquium.site): never the request's Host header.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").strip()
if not SITE_URL:
    raise ImproperlyConfigured(
        "Set SITE_URL to the site's public address, such as https://news.example.org "
        "(or DEBUG=1 for local development)."
    )
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.hostname or _site.path.strip("/"):
    raise ImproperlyConfigured(
        f"SITE_URL={SITE_URL!r} is not a scheme and host such as https://news.example.org."
    )
if _site.query or _site.fragment or _site.username or _site.password:
    raise ImproperlyConfigured(
        f"SITE_URL={SITE_URL!r} is not a scheme and host such as https://news.example.org."
    )
SITE_URL = f"{_site.scheme}://{_site.netloc}"

# How many reverse proxies of our own stand in front of Django: 0 on a laptop (the client is
# REMOTE_ADDR and X-Forwarded-For is ignored), 1 behind nginx (which appends the address it was
# reached from to X-Forwarded-For). Login throttling counts failures per address read this way.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} is below 0.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_filters",
    "ckeditor",
    "reversion",
    "axes",
    "colloquium",
    "news",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the request: methods, bytes and body sizes (colloquium.security).
    "colloquium.security.RequestHygieneMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "colloquium.security.StaffBodyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "colloquium.editor.EditorCSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "colloquium.urls"
WSGI_APPLICATION = "colloquium.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite in the project folder unless DATABASE_URL says otherwise.
# Seconds to wait for a PostgreSQL connection before the visitor gets the 503 page.
DATABASE_CONNECT_TIMEOUT = 3


def _database(name, url):
    """The DATABASES entry for `url`, the value of the variable `name`."""
    try:
        db = dj_database_url.parse(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name} is not usable: {exc}") from exc
    if db["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(f"{name} must be a postgres:// or sqlite:// URL.")
    # "sqlite://" parses as an in-memory database: every server thread would get its own, empty.
    if db["NAME"] in ("", ":memory:"):
        raise ImproperlyConfigured(
            f"{name} names no database: use postgres://user@host:5432/name or "
            "sqlite:////absolute/path/to/db.sqlite3."
        )
    return _configured(db)


def _configured(db):
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # A real server writes from several threads: WAL lets readers run beside the writer, the
        # timeout makes a writer wait instead of failing, and IMMEDIATE takes the write lock at
        # BEGIN so that a transaction never has to upgrade a read lock ("database is locked").
        db["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        return db
    # psycopg's pool needs CONN_MAX_AGE=0; size it so that workers x max_size < max_connections.
    db["CONN_MAX_AGE"] = 0
    db["CONN_HEALTH_CHECKS"] = True
    db.setdefault("OPTIONS", {})
    # A database that cannot be reached answers within seconds with the 503 page
    # (colloquium.faults), instead of holding every visitor for libpq's or the pool's default.
    db["OPTIONS"].setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    if env_bool("DATABASE_POOL", default=True):
        db["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 4),
            # How long a request waits for a pooled connection: the same short wait.
            "timeout": DATABASE_CONNECT_TIMEOUT,
        }
    return db


_database_url = os.environ.get("DATABASE_URL", "").strip()
if _database_url:
    _default_db = _database("DATABASE_URL", _database_url)
else:
    _default_db = _configured(
        {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
    )
DATABASES = {"default": _default_db}
# A read replica of the default database: public pages read from it (colloquium.db), everything
# else uses the default one. The replica must be a copy kept by replication, with the same schema.
_replica_url = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if _replica_url:
    DATABASES["replica"] = _database("DATABASE_REPLICA_URL", _replica_url)
    DATABASE_ROUTERS = ["colloquium.db.ReplicaRouter"]
    # First: every middleware after it may read the database.
    MIDDLEWARE.insert(0, "colloquium.db.ReplicaReadsMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: in-process by default; REDIS_URL shares one between gunicorn workers and machines.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Login throttling (django-axes): 5 failures for one username from one address lock that pair
# out for 15 minutes; a success resets the count. The address is the client's, read through
# TRUSTED_PROXY_COUNT proxies by ipware: ipware's proxy count is the number of proxies *listed*
# in X-Forwarded-For, and nginx lists the client, not itself, so one nginx is a count of 0.
# Not strict: entries a client wrote itself stand left of the one nginx appends and are skipped.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "colloquium.security.lockout"
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Seoul")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not a known time zone.") from None

# Static files and uploads
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    # Attachments, event files and photo originals: no URL serves this folder (colloquium.storage).
    "protected": {"BACKEND": "colloquium.storage.ProtectedFileSystemStorage"},
}
PROTECTED_MEDIA_ROOT = Path(os.environ.get("PROTECTED_MEDIA_ROOT", BASE_DIR / "protected"))
for _public_name, _public_root in (("MEDIA_ROOT", MEDIA_ROOT), ("STATIC_ROOT", STATIC_ROOT)):
    _public, _protected = _public_root.resolve(), PROTECTED_MEDIA_ROOT.resolve()
    if _protected == _public or _public in _protected.parents or _protected in _public.parents:
        raise ImproperlyConfigured(
            f"PROTECTED_MEDIA_ROOT={str(PROTECTED_MEDIA_ROOT)!r} overlaps {_public_name}="
            f"{str(_public_root)!r}: files in it would have a public URL. Give it a folder of "
            "its own, outside every folder the web server serves."
        )
# Protected files (attachments, event files, photo originals) are given out only by the checked
# download views. "django" streams them from this process; "nginx" answers, once the view has
# checked the visitor and counted the download, with an X-Accel-Redirect to
# PROTECTED_FILES_INTERNAL_URL, an `internal` nginx location aliased to the files' folder.
PROTECTED_FILES_SERVED_BY = os.environ.get("PROTECTED_FILES_SERVED_BY", "django")
if PROTECTED_FILES_SERVED_BY not in ("django", "nginx"):
    raise ImproperlyConfigured(
        f"PROTECTED_FILES_SERVED_BY={PROTECTED_FILES_SERVED_BY!r} is not django or nginx."
    )
PROTECTED_FILES_INTERNAL_URL = os.environ.get("PROTECTED_FILES_INTERNAL_URL", "/protected/")
if not (
    PROTECTED_FILES_INTERNAL_URL.startswith("/") and PROTECTED_FILES_INTERNAL_URL.endswith("/")
):
    raise ImproperlyConfigured(
        f"PROTECTED_FILES_INTERNAL_URL={PROTECTED_FILES_INTERNAL_URL!r} is not a path that "
        "starts and ends with a slash, such as /protected/."
    )
# Attachments up to this size are accepted; the web server in front must allow as much.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644
MAX_UPLOAD_SIZE = env_int("MAX_UPLOAD_SIZE", 50 * 1024 * 1024)
# Request bodies are refused (413) before they are read when larger than the route takes
# (colloquium.security): public routes take small forms only (the language switch), the admin
# takes an upload of MAX_UPLOAD_SIZE plus the rest of its form, and only from staff.
PUBLIC_MAX_BODY_SIZE = env_int("PUBLIC_MAX_BODY_SIZE", 64 * 1024)
ADMIN_MAX_BODY_SIZE = env_int("ADMIN_MAX_BODY_SIZE", MAX_UPLOAD_SIZE + 1024 * 1024)
# Images larger than this many pixels are refused (decompression bombs, absurd scans).
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 40_000_000)

LOGIN_URL = "admin:login"

# Rich text: django-ckeditor bundles CKEditor 4, past its end of life. It is kept because the
# institution asked for it, and fenced: admin only, trusted staff only, a reduced toolbar, our
# own CSRF-checked upload view (colloquium.editor), and every stored body sanitized by nh3 on
# save (colloquium.richtext), so what reaches visitors never depends on the editor's own filter.
SILENCED_SYSTEM_CHECKS = ["ckeditor.W001"]
CKEDITOR_CONFIGS = {}  # filled in by colloquium.editor, the one place that knows the editor

# Security: default-on; production only adds HTTPS-specific settings through the environment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The language switch's cookie: no script needs it, and it travels only with same-site requests.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Powerful browser features no page of the site uses, switched off for every page.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# One machine without a web server in front: let Django serve /media/ too.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=DEBUG)
