"""
The one settings module. Everything that differs between a laptop and production comes from the
environment; with no environment at all it runs on SQLite in the project folder.
"""

import os
import zoneinfo
from datetime import timedelta
from email.utils import getaddresses
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
    # First of all: every response, refusals and redirects included, names its request
    # (X-Request-ID), and every log line written meanwhile carries the id (colloquium.logs).
    "colloquium.logs.RequestIDMiddleware",
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
REDIS_URL = os.environ.get("REDIS_URL") or None
# Every key this site keeps in Redis (cache and counters) starts with it: two sites may share one.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "colloquium")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, with one redis-py client per process instead of one per call.
            "BACKEND": "colloquium.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Counters (colloquium/counters.py): with REDIS_URL, hits and downloads are buffered in Redis and
# folded into the rows by `manage.py flushcounters`; without it they are written at once.
COUNTERS_REDIS_URL = REDIS_URL
# A client that keeps no cookie is counted at most this often per item per day from one address.
COUNTS_PER_ADDRESS_PER_DAY = env_int("COUNTS_PER_ADDRESS_PER_DAY", 30)
if COUNTS_PER_ADDRESS_PER_DAY < 1:
    raise ImproperlyConfigured(
        f"COUNTS_PER_ADDRESS_PER_DAY={COUNTS_PER_ADDRESS_PER_DAY} is below 1."
    )

# The longest time a public page stays in that cache for anonymous visitors (colloquium.pagecache);
# changes show at once anyway, and a scheduled item at its time. 0 turns the page cache off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)

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
# Object storage: with S3_BUCKET set, files live in an S3-compatible bucket (AWS, MinIO, Ceph,
# NCloud…) through django-storages, which several app servers share; without it, on this disk.
# One private bucket, two folders:
# - protected/: attachments, event files, photo originals. No public address; a checked download
#   is a 302 to a URL signed for S3_PRESIGNED_SECONDS (colloquium.attachments).
# - public/: what pages show (photo copies, editor images, portraits, logos), read by browsers at
#   S3_PUBLIC_URL without a signature, so that a cached page's image addresses never expire: a
#   CDN in front of the folder, or the bucket's own address with a policy that lets anyone read
#   public/* and nothing else (README, "Object storage").
# Names are random (colloquium.storage) and never overwritten (file_overwrite=False).
S3_BUCKET = os.environ.get("S3_BUCKET", "").strip()
S3_PRESIGNED_SECONDS = env_int("S3_PRESIGNED_SECONDS", 300)
if S3_BUCKET:
    S3_PUBLIC_URL = os.environ.get("S3_PUBLIC_URL", "").strip().rstrip("/")
    _public_url = urlsplit(S3_PUBLIC_URL)
    if _public_url.scheme not in ("http", "https") or not _public_url.hostname:
        raise ImproperlyConfigured(
            f"S3_PUBLIC_URL={S3_PUBLIC_URL!r}: with S3_BUCKET, name the address browsers read "
            "the bucket's public/ folder from, such as https://media.example.org or "
            f"https://{S3_BUCKET}.s3.ap-northeast-2.amazonaws.com."
        )
    if _public_url.query or _public_url.fragment:
        raise ImproperlyConfigured(
            f"S3_PUBLIC_URL={S3_PUBLIC_URL!r} is not a scheme, host and path."
        )
    if S3_PRESIGNED_SECONDS < 1:
        raise ImproperlyConfigured(f"S3_PRESIGNED_SECONDS={S3_PRESIGNED_SECONDS} is below 1.")
    _s3 = {
        "bucket_name": S3_BUCKET,
        # Unset: AWS itself, with the region's endpoint.
        "endpoint_url": os.environ.get("S3_ENDPOINT_URL", "").strip() or None,
        "region_name": os.environ.get("S3_REGION", "").strip() or None,
        # Unset: boto3's own chain (an instance role, ~/.aws/credentials).
        "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
        "file_overwrite": False,
        "default_acl": None,  # the bucket's policy decides, not a per-object ACL
        "signature_version": "s3v4",
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "location": "public",
            "querystring_auth": False,
            "url_protocol": f"{_public_url.scheme}:",
            "custom_domain": f"{_public_url.netloc}{_public_url.path}",
            # Random names: a stored file never changes, so browsers and CDNs keep it.
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    STORAGES["protected"] = {
        "BACKEND": "colloquium.objectstorage.ProtectedS3Storage",
        "OPTIONS": {
            **_s3,
            "location": "protected",
            "querystring_auth": True,
            "querystring_expire": S3_PRESIGNED_SECONDS,
        },
    }
    # Rich-text bodies link editor images here; orphanfiles finds them by it.
    MEDIA_URL = f"{S3_PUBLIC_URL}/public/"
    if os.environ.get("PROTECTED_FILES_SERVED_BY", "django") != "django":
        raise ImproperlyConfigured(
            "PROTECTED_FILES_SERVED_BY applies to files on this disk; with S3_BUCKET, downloads "
            "are redirects to the bucket. Unset one of them."
        )
    if env_bool("SERVE_MEDIA", default=False):
        raise ImproperlyConfigured(
            "SERVE_MEDIA serves MEDIA_ROOT; with S3_BUCKET public media are read from "
            "S3_PUBLIC_URL. Unset one of them."
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

# Health checks come from a load balancer over plain HTTP (colloquium.health).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Public media come from the bucket's address when S3_BUCKET is set.
        "img-src": ["'self'", "data:", *([S3_PUBLIC_URL + "/"] if S3_BUCKET else [])],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Logs: one format on stderr, with the time, the level and the request's id (colloquium.logs),
# for `make run`, gunicorn and systemd's journal alike. Django writes no line for a 4xx: the
# access log (gunicorn's, runserver's) is the one line per request. A refused request (a bad
# Host, above all) is one warning line without a traceback. Errors (a 500) go to the console, to
# ADMINS by mail, and to Sentry when SENTRY_DSN is set.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} is not DEBUG, INFO, WARNING or ERROR.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "colloquium.logs.RequestIDFilter"},
        "one_line": {"()": "colloquium.logs.OneLineSecurityWarning"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
            "datefmt": "%Y-%m-%d %H:%M:%S %z",  # gunicorn's own lines give the offset too
        },
        "mail": {"format": "%(levelname)s %(message)s\n\nRequest ID: %(request_id)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["request_id"],
        },
        # Filters of a logger miss its children's records (django.security.DisallowedHost):
        # the handler filters them.
        "security_console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["request_id", "one_line"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "formatter": "mail",
            "filters": ["request_id", "require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers for it (a console in DEBUG, mail) would write a second line.
        "django": {"handlers": [], "level": "INFO"},
        # 4xx responses are the access log's; errors are everyone's.
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
        },
        "django.security": {
            "handlers": ["security_console"],
            "level": "WARNING",
            "propagate": False,
        },
        # A failed CSRF check is a 403 like any other (a stale form): the access log's.
        "django.security.csrf": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# Who hears of errors: ADMINS="Ops <ops@example.org>, Kim <kim@example.org>" gets a mail per
# 500 (with the request's id), from SERVER_EMAIL, through the SMTP server EMAIL_HOST.
ADMINS = getaddresses(env_list("ADMINS"))
if any(not address or "@" not in address for _name, address in ADMINS):
    raise ImproperlyConfigured(
        f"ADMINS={os.environ.get('ADMINS')!r} is not a list such as "
        '"Ops <ops@example.org>, kim@example.org".'
    )
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "root@localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", SERVER_EMAIL)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = 10
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS, port 587) or EMAIL_USE_SSL, not both.")
if DEBUG and "EMAIL_HOST" not in os.environ:
    # A laptop has no mail server: mails are printed instead.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Errors to Sentry too when SENTRY_DSN is set (the optional extra: pip install -e ".[sentry]").
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    from colloquium.logs import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", ""),
        release=os.environ.get("SENTRY_RELEASE", ""),
    )

# One machine without a web server in front: let Django serve /media/ too.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=DEBUG and not S3_BUCKET)
