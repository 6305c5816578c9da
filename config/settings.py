"""Settings for the project, driven by environment variables with embedded defaults.

With no variable set the site runs on SQLite (WAL) under ``var/``, the in-memory channel layer
and an in-process task worker: ``make run`` needs nothing else. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis, with separate ``db_worker`` processes.
See README.md, "Configuration".
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from csp import constants as csp

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.boolean("DEBUG", True)
SECRET_KEY = env.secret_key(VAR_DIR, debug=DEBUG)
ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_filters",
    "viewflow",
    "viewflow.workflow",
    # After viewflow: the account pages (password change and reset) are then viewflow's, in
    # the site's look, not the admin's.
    "django.contrib.admin",
    "django_tasks_db",
    "workflows",
    "signatures",
    "flows.blocs",
    "flows.rules",
    "flows.awards",
    "flows.pledges",
    "flows.scoring",
    "flows.nominations",
    "flows.board",
    "notifications",
    "flows.demo",
    "config",
]

# Every middleware here can run in Django's async mode (config/middleware.py says why).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.SiteNotFoundMiddleware",
    "notifications.middleware.LiveRefreshMiddleware",
    # viewflow's two, async-capable (its AppConfig would append its own: AUTOREGISTER off).
    "config.middleware.SiteMiddleware",
    "config.middleware.TurboFormStatusMiddleware",
]
VIEWFLOW = {"AUTOREGISTER": False}

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # First, so that the site's templates override viewflow's (config is also an app).
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.bell",
            ],
        },
    },
]


# Database ----------------------------------------------------------------------------------------

DATABASE_URL = env.string("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")


def _database(url: str) -> dict:
    config = dj_database_url.parse(
        url,
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the in-process worker write while pages read; IMMEDIATE transactions take the
        # write lock up front, so two writers queue (busy timeout) instead of failing to upgrade.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Tests use a file too: in-memory shared-cache SQLite locks whole tables across threads,
        # unlike the WAL file that the in-process worker shares with the site. One per process,
        # so that parallel test runs do not meet.
        config["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"thidua-test-{os.getpid()}.sqlite3")
        }
    return config


DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Redis: cache and channel layer ----------------------------------------------------------------

REDIS_URL = env.string("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub delivers group fan-out to many sockets faster than the list-based layer.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # redis-py 8 defaults (5 s socket timeout, pool of 100) drop idle
                        # websockets and refuse the 101st connection.
                        "socket_timeout": None,
                        "max_connections": env.integer("REDIS_MAX_CONNECTIONS", 1000),
                    }
                ],
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


# Background work (django.tasks with the django-tasks-db backend) ---------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The in-memory channel layer only reaches sockets of its own process, so with the embedded
# default the worker runs as a thread inside the web process. With Redis, run `db_worker`s.
TASKS_IN_PROCESS_WORKER = env.boolean("TASKS_IN_PROCESS_WORKER", not REDIS_URL)


# Digital signatures ------------------------------------------------------------------------------

# The development PKI (`manage.py pki_init`): a local root and intermediate CA, OCSP, CRLs and a
# TSA, served under /pki/ by the site itself while SIGNING_DEV_PKI is on.
SIGNING_DEV_PKI = env.boolean("SIGNING_DEV_PKI", DEBUG)
SIGNING_DEV_PKI_DIR = Path(env.string("SIGNING_DEV_PKI_DIR", str(VAR_DIR / "pki")))
SIGNING_DEV_PKI_URL = env.string("SIGNING_DEV_PKI_URL", "http://127.0.0.1:8000/pki")
_dev_root = SIGNING_DEV_PKI_DIR / "root.cert.pem"
# PEM files of the trusted root CAs (comma-separated); the development root while it is used.
SIGNING_TRUST_ROOTS = env.string_list(
    "SIGNING_TRUST_ROOTS", [str(_dev_root)] if SIGNING_DEV_PKI else []
)
SIGNING_TSA_URL = env.string(
    "SIGNING_TSA_URL", f"{SIGNING_DEV_PKI_URL}/thidua-dev/tsa/tsa" if SIGNING_DEV_PKI else ""
)
# Fetch OCSP/CRL data over the network (signing, registration, validation with fetching).
SIGNING_FETCH_REVOCATION = env.boolean("SIGNING_FETCH_REVOCATION", True)
# pyhanko-certvalidator's revocation policy: soft-fail, hard-fail or require.
SIGNING_REVOCATION_MODE = env.string("SIGNING_REVOCATION_MODE", "hard-fail")
# A registered certificate whose revocation status cannot be learnt (its CA's responder down)
# stays "being checked" and is asked again after each of these delays, in minutes; refused after.
SIGNING_CREDENTIAL_RECHECK_MINUTES = env.integer_list(
    "SIGNING_CREDENTIAL_RECHECK_MINUTES", [1, 5, 30, 120, 480]
)
# Fernet key encrypting the personal keystores at rest (`Fernet.generate_key()`); derived from
# SECRET_KEY when empty, which is fine for development only.
SIGNING_KEYSTORE_KEY = env.string("SIGNING_KEYSTORE_KEY", "")
# Working days (workflows.workdays): the days off and the weekend days worked that the
# `holidays` package does not know yet (the Government announces each year's bridge days late).
WORKING_DAYS_EXTRA_HOLIDAYS = env.string_list("WORKING_DAYS_EXTRA_HOLIDAYS", [])
WORKING_DAYS_MAKEUP_DAYS = env.string_list("WORKING_DAYS_MAKEUP_DAYS", [])
# Largest PDF accepted for validation or upload.
SIGNING_PDF_MAX_BYTES = env.integer("SIGNING_PDF_MAX_BYTES", 20 * 1024 * 1024)
# Attachments are reference documents (a bloc's rules, a criteria table), not archives.
ATTACHMENT_MAX_BYTES = env.integer("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
SIGNING_DEFAULT_LEVEL = env.string("SIGNING_DEFAULT_LEVEL", "B-T")
# PAdES level by document type (DOMAIN.md §8.4): the covenant is kept long-term.
SIGNING_LEVELS = {"covenant": "B-LTA"}
# The PKCS#11 library of tokens and HSMs (SoftHSM2 in development and tests).
SIGNING_PKCS11_MODULE = env.string("SIGNING_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
# Other PKCS#11 libraries an administrator may choose for a token (comma-separated paths): the
# worker loads the chosen one, so it is a list fixed here, never a path typed in a form.
SIGNING_PKCS11_MODULES = env.string_list("SIGNING_PKCS11_MODULES", [])


# E-mail -----------------------------------------------------------------------------------------

_MAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
# Development prints mail on the console; production sends it through SMTP.
_mail_backend = env.string("EMAIL_BACKEND", "console" if DEBUG else "smtp")
MAILERS = {
    "default": {
        "BACKEND": _MAIL_BACKENDS.get(_mail_backend, _mail_backend),
        "OPTIONS": (
            {
                "host": env.string("EMAIL_HOST", "localhost"),
                "port": env.integer("EMAIL_PORT", 25),
                "username": env.string("EMAIL_HOST_USER", ""),
                "password": env.string("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env.boolean("EMAIL_USE_TLS", False),
                "use_ssl": env.boolean("EMAIL_USE_SSL", False),
                "timeout": env.integer("EMAIL_TIMEOUT", 30),
            }
            if _mail_backend == "smtp"
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "thidua@localhost")
# Where officials reach the site: links in e-mails are made absolute with it.
SITE_URL = env.string("SITE_URL", "http://127.0.0.1:8000")
SERVER_EMAIL = env.string("SERVER_EMAIL", DEFAULT_FROM_EMAIL)


# Authentication ---------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"


# Language and time ------------------------------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# Ours first; then Vietnamese for viewflow, which ships none.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "config" / "viewflow_locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True


# Static and uploaded files ----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.string("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.string("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development WhiteNoise serves straight from the apps' static folders: no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG


# Security (production values whenever DEBUG is off) ---------------------------------------------

SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", not DEBUG)
# Sessions in the database; a page that stores what the session already holds writes nothing.
SESSION_ENGINE = "workflows.sessions"
SESSION_COOKIE_SECURE = env.boolean("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", not DEBUG)
if env.boolean("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Wrong passwords and PINs (workflows.throttle): this many failures within the window lock the
# account (sign-in) or the certificate (signing) for LOCKOUT_MINUTES.
LOCKOUT_ATTEMPTS = env.integer("LOCKOUT_ATTEMPTS", 5)
LOCKOUT_WINDOW_MINUTES = env.integer("LOCKOUT_WINDOW_MINUTES", 15)
LOCKOUT_MINUTES = env.integer("LOCKOUT_MINUTES", 15)

# Content-Security-Policy (django-csp): scripts and style sheets from the site only, never
# inline; a <style> element only with the request's nonce (Turbo's progress bar reads it from
# the page's csp-nonce meta). viewflow's own templates set style="…" attributes on their
# layout, which style-src-attr admits: an attribute can restyle an element, not run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.NONCE],
        "style-src-attr": [csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF, "data:"],
        # 'self' covers the live pages' websocket on the same host (CSP level 3).
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}


# Logging ----------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # pyHanko logs full tracebacks at ERROR for expected validation failures.
        "pyhanko": {"level": "CRITICAL"},
        # Every OCSP and CRL fetch is logged at INFO.
        "pyhanko_certvalidator": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
