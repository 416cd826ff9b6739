"""Settings for the telemetry and monitoring service, read from the environment.

The README's "Configuration" lists every variable.

With no environment at all the service runs on embedded defaults: SQLite, the local-memory
cache and a filesystem broker. `ENVIRONMENT=production` turns on Sentry and the deploy checks
and refuses to start without `SECRET_KEY`.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

ENVIRONMENT = env.str("ENVIRONMENT", default="development")
IS_PRODUCTION = ENVIRONMENT == "production"

# --- Django core -----------------------------------------------------------------------------

if IS_PRODUCTION and not env.str("SECRET_KEY", default=""):
    raise ImproperlyConfigured("SECRET_KEY must be set when ENVIRONMENT=production.")
SECRET_KEY = env.str(
    "SECRET_KEY", default="django-insecure-development-only-key-do-not-use-in-production"
)
DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "common.views.csrf_failure"

INSTALLED_APPS = [
    "config.apps.TelemetryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "common",
    "alerts",
    "projects",
    "telemetry",
    "errors",
    "feedback",
    "health",
    "hotfix",
]

MIDDLEWARE = [
    "telemetry.middleware.SelfTelemetryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "common.middleware.ContentSecurityPolicyMiddleware",
    "common.middleware.UnreadableBodyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "common.middleware.UnusableQueryParameterMiddleware",
    # Django's session, CSRF, auth and messages middleware, skipped by public ingestion
    # requests (common.middleware.is_public_ingest), which use none of them.
    "common.middleware.StaffOnlySessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "common.middleware.StaffOnlyCsrfViewMiddleware",
    "common.middleware.StaffOnlyAuthenticationMiddleware",
    "common.middleware.StaffOnlyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Django's check looks for its CsrfViewMiddleware by name; common.W003 checks for ours instead.
SILENCED_SYSTEM_CHECKS = ["security.W003"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A test database in a file, not in shared-cache memory: the browser tests' live server
    # writes from another thread, and shared-cache SQLite answers "table is locked" at once
    # instead of waiting for the lock like a file database does.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A hung Redis must not hang a request: fail fast and let the caller degrade.
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                # ...and after a failure, skip Redis for OUTAGE_SKIP_SECONDS (common/cache.py).
                "CONNECTION_POOL_CLASS": "common.cache.CircuitBreakerConnectionPool",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# django-axes refuses logins that are locked out, then Django's own backend checks the password.
AUTHENTICATION_BACKENDS = [
    "common.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Request bodies: the ingestion endpoints enforce their own, smaller caps (1 MiB for batches).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Production hardening (manage.py check --deploy runs clean) ------------------------------

if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^api/health"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Django REST framework and the OpenAPI document ------------------------------------------

REST_FRAMEWORK = {
    # Token first so an anonymous API client gets 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_RENDERER_CLASSES": ["common.renderers.JsonRenderer"],
    # Client JSON is read by one parser: no NaN in jsonb, no RecursionError (common.json_input).
    "DEFAULT_PARSER_CLASSES": [
        "common.json_input.JsonBodyParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Telemetry & Monitoring API",
    "DESCRIPTION": "Usage events, error reports, bug reports and health of a web application.",
    "VERSION": (BASE_DIR / "VERSION").read_text().strip(),
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "CAMELIZE_NAMES": False,
    # Three choice sets are all called "status"; name each so the schema is stable.
    "ENUM_NAME_OVERRIDES": {
        "ErrorStatusEnum": "errors.models.ErrorStatus",
        "SettableErrorStatusEnum": ["acknowledged", "resolved", "ignored"],
        "HealthStatusEnum": "health.models.HealthStatus",
    },
}

# Rate limits key on the client address; behind a proxy it comes from X-Forwarded-For.
USE_X_FORWARDED_FOR = env.bool("USE_X_FORWARDED_FOR", default=False)
# How many proxies in front append to X-Forwarded-For; the client is that many from the right.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

# Staff login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one
# username from one client address, that pair may not log in for LOGIN_COOLOFF_MINUTES. The
# attempts live in the database, so every worker and host shares them on SQLite and PostgreSQL.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "common.api.client_ip"
AXES_LOCKOUT_CALLABLE = "config.admin.login_locked_out"
AXES_RESET_ON_SUCCESS = True
# The cool-off runs from the lockout: attempts during it do not prolong it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Keep failed attempts only; successful logins are not logged with their address.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Locks are listed and lifted with manage.py axes_list_attempts / axes_reset_username.
AXES_ENABLE_ADMIN = False

# The service's HTML pages show client-sent text: nothing inline runs, nothing loads from elsewhere.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# --- Celery ------------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
# Seconds one connect, send or read to the broker may take (requests enqueue on it).
CELERY_BROKER_TIMEOUT = env.float("CELERY_BROKER_TIMEOUT", default=1.0)
if CELERY_BROKER_URL == "filesystem://":
    # The embedded broker: queues are files under var/broker, so `make run` needs no server.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("amqp", "pyamqp")):
    # A hung broker must not hang the request that enqueues: bound every socket operation.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "read_timeout": CELERY_BROKER_TIMEOUT,
        "write_timeout": CELERY_BROKER_TIMEOUT,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_timeout": CELERY_BROKER_TIMEOUT,
        "socket_connect_timeout": CELERY_BROKER_TIMEOUT,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "purge-expired-daily": {"task": "common.purge_expired", "schedule": crontab(hour=3, minute=17)},
    "health-check-every-5-minutes": {"task": "health.check", "schedule": 5 * 60.0},
    "telemetry-rollup": {"task": "telemetry.rollup", "schedule": crontab(minute="*/5")},
    # Catch-up for occurrences whose digest task was lost (a broker outage, a killed worker).
    "errors-digest": {"task": "errors.digest", "schedule": 15.0},
    # Catch-up for deliveries whose enqueue failed, and the retries of failed ones.
    "alerts-deliver-due": {"task": "alerts.deliver_due", "schedule": 60.0},
}
# After the cache or the broker fails, this process skips it for this many seconds, so a hung
# Redis costs one timeout per interval instead of one per request.
OUTAGE_SKIP_SECONDS = env.float("OUTAGE_SKIP_SECONDS", default=15.0)

# --- The service -------------------------------------------------------------------------------

VERSION_FILE = BASE_DIR / "VERSION"
BUILD_ID = env.str("BUILD_ID", default="")
GIT_COMMIT = env.str("GIT_COMMIT", default="")

SENTRY_DSN = env.str("SENTRY_DSN", default="") or env.str("NEXT_PUBLIC_SENTRY_DSN", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.1)
if IS_PRODUCTION and SENTRY_DSN:
    from config.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        build_id=BUILD_ID or GIT_COMMIT,
        release=VERSION_FILE.read_text().strip(),
    )

CRON_SECRET = env.str("CRON_SECRET", default="")
ALERT_WEBHOOK_URL = env.str("ALERT_WEBHOOK_URL", default="")
ALERT_EMAILS = env.list("ALERT_EMAILS", default=[])
ALERTS = {
    # A failed delivery is retried after 1, 2, 4, 8 … minutes (at most BACKOFF_MAX_SECONDS
    # apart) and given up, at ERROR in the log and in the admin, after MAX_ATTEMPTS tries:
    # 8 tries span about two hours of receiver outage.
    "MAX_ATTEMPTS": env.int("ALERT_MAX_ATTEMPTS", default=8),
    "BACKOFF_BASE_SECONDS": env.int("ALERT_BACKOFF_SECONDS", default=60),
    "BACKOFF_MAX_SECONDS": 60 * 60,
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    "EMAIL_TIMEOUT_SECONDS": 10,
    # A delivery being attempted is not picked by another worker for this long.
    "LEASE_SECONDS": 120,
    "RETENTION_DAYS": env.int("ALERT_RETENTION_DAYS", default=30),
}

TELEMETRY_RETENTION_DAYS = env.int("TELEMETRY_RETENTION_DAYS", default=30)
ERROR_RETENTION_DAYS = env.int("ERROR_RETENTION_DAYS", default=90)
HEALTH_RETENTION_DAYS = env.int("HEALTH_RETENTION_DAYS", default=30)
RETENTION = {
    # After each delete batch, rest this many times as long as the batch took (0: no rest).
    "BATCH_PAUSE_RATIO": env.float("RETENTION_BATCH_PAUSE_RATIO", default=2.0),
}

# Scrubbing of everything clients send (common/privacy.py, README "Privacy"): default rules
# turned off by name (comma-separated, e.g. ip_address), and RE2 patterns (a JSON list of
# strings) whose findings become [Filtered].
PRIVACY = {
    "DISABLED_RULES": env.list("PRIVACY_DISABLED_RULES", default=[]),
    "EXTRA_PATTERNS": env.json("PRIVACY_EXTRA_PATTERNS", default=[]),
}

TELEMETRY = {
    # Recording is on in production unless ENABLE_ANALYTICS=0, off elsewhere unless
    # TELEMETRY_ENABLED=true.
    "ENABLED": env.bool("ENABLE_ANALYTICS", default=True)
    if IS_PRODUCTION
    else env.bool("TELEMETRY_ENABLED", default=False),
    "EXTRA_EVENT_TYPES": env.list("TELEMETRY_EXTRA_EVENT_TYPES", default=[]),
    "MAX_BATCH_EVENTS": 100,
    "MAX_BODY_BYTES": 1024 * 1024,
    # Requests per client address (never stored) per window, shared by workers via the cache.
    "RATE_LIMIT_REQUESTS": env.int("TELEMETRY_RATE_LIMIT", default=120),
    "RATE_LIMIT_WINDOW_SECONDS": env.int("TELEMETRY_RATE_LIMIT_WINDOW", default=60),
    # Roll-ups stop this many seconds before now, so batches still committing are not missed.
    "ROLLUP_SETTLE_SECONDS": 30,
    # Unique sessions/users are counted exactly up to this many daily IDs in the window,
    # beyond it from HyperLogLog sketches (0.81 % standard error).
    "EXACT_UNIQUE_LIMIT": 50_000,
    # Share of the service's own /api/ requests recorded as api_call events (0 to 1), and how
    # often the in-memory buffer is written in bulk (0: only when flushed explicitly).
    "SELF_SAMPLE_RATE": env.float("TELEMETRY_SELF_SAMPLE_RATE", default=1.0),
    "SELF_FLUSH_SECONDS": 5.0,
    "SELF_BUFFER_MAX": 1000,
}

# The hotfix pipeline's checks, each a list of argv lists run in the repository being released
# (manage.py hotfix --repo). The build checks run with production settings and a throwaway key.
_HOTFIX_PRODUCTION_ENV = [
    "env",
    "ENVIRONMENT=production",
    "SECRET_KEY=hotfix-build-check-only-not-a-secret-k7Qz3vX9pL2mN8rT5wY1bC4dF6gH0jS",
    "ALLOWED_HOSTS=hotfix-check.invalid",
    sys.executable,
    "manage.py",
]
HOTFIX = {
    "LINT": [
        [sys.executable, "-m", "ruff", "check", "."],
        [sys.executable, "-m", "ruff", "format", "--check", "."],
    ],
    "BUILD": [
        [*_HOTFIX_PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING"],
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        [*_HOTFIX_PRODUCTION_ENV, "collectstatic", "--noinput", "--dry-run"],
    ],
    "TEST": [[sys.executable, "-m", "pytest", "-q"]],
}

ERRORS = {
    "MAX_BODY_BYTES": 256 * 1024,
    # Reports per client address per window on POST /api/errors (429 with Retry-After past it).
    "RATE_LIMIT_REQUESTS": env.int("ERRORS_RATE_LIMIT", default=120),
    "RATE_LIMIT_WINDOW_SECONDS": env.int("ERRORS_RATE_LIMIT_WINDOW", default=60),
    # A spike: an hour with SPIKE_FACTOR times the group's usual hourly count over the previous
    # SPIKE_BASELINE_HOURS, and at least SPIKE_MIN_COUNT reports.
    "SPIKE_FACTOR": env.float("ERRORS_SPIKE_FACTOR", default=5.0),
    "SPIKE_MIN_COUNT": env.int("ERRORS_SPIKE_MIN_COUNT", default=20),
    "SPIKE_BASELINE_HOURS": 24,
    # At most one alert per group per interval.
    "ALERT_INTERVAL_SECONDS": 3600,
    # A report's counts are brought up to date within about this long: each web process sends
    # the digest task at most once per delay (errors.ingest.error_digest_soon).
    "DIGEST_DELAY_SECONDS": env.float("ERRORS_DIGEST_DELAY_SECONDS", default=0.5),
    # Occurrences counted per digest transaction.
    "DIGEST_BATCH_SIZE": 2000,
}

HEALTH = {
    # Every probe of /api/health/extended answers within this deadline or counts as down.
    "PROBE_TIMEOUT_SECONDS": env.float("HEALTH_PROBE_TIMEOUT_SECONDS", default=2.0),
    # The default thresholds: below the first healthy, up to the second degraded, above unhealthy.
    "DATABASE_LATENCY_MS": (50, 100),
    "ERROR_RATE_PERCENT": (1.0, 5.0),
    # With no periodic check for this long the status is degraded (Celery beat is down), once
    # a check has ever been stored or HEALTH_EXPECT_PERIODIC_CHECKS=true.
    "STALE_AFTER_MINUTES": 15,
    "EXPECT_PERIODIC_CHECKS": env.bool("HEALTH_EXPECT_PERIODIC_CHECKS", default=False),
}

FEEDBACK = {
    "MAX_SCREENSHOT_BYTES": 5 * 1024 * 1024,
    "MAX_SCREENSHOT_SIDE": 8000,
    # Decoded pixels, checked before decoding: a 6K screen (6016×3384) is 20 million; each
    # million costs about 7 MB of memory while the picture is re-encoded.
    "MAX_SCREENSHOT_PIXELS": 24_000_000,
    # A 5 MB screenshot as a base64 data: URL is about 6.7 MB, plus the other fields.
    "MAX_BODY_BYTES": 8 * 1024 * 1024,
    "RATE_LIMIT_REQUESTS": env.int("FEEDBACK_RATE_LIMIT", default=10),
    "RATE_LIMIT_WINDOW_SECONDS": env.int("FEEDBACK_RATE_LIMIT_WINDOW", default=60),
}

SENTRY_INGEST = {
    # Where Sentry SDKs reach this service (`https://errors.example.com`); the DSN starts with
    # it. Unset, the admin uses the address it is browsed at and `manage.py dsn` the local one.
    "PUBLIC_URL": env.str("PUBLIC_URL", default=""),
    "MAX_EVENT_BYTES": 1024 * 1024,
    "MAX_ENVELOPE_BYTES": 20 * 1024 * 1024,
    # Requests per client address (never stored) per window, as for telemetry batches.
    "RATE_LIMIT_REQUESTS": env.int("SENTRY_INGEST_RATE_LIMIT", default=300),
    "RATE_LIMIT_WINDOW_SECONDS": env.int("SENTRY_INGEST_RATE_LIMIT_WINDOW", default=60),
}
# Sentry SDKs may send these headers and read the rate-limit answers.
CORS_ALLOW_HEADERS = (*default_cors_headers, "x-sentry-auth", "x-telemetry-key", "content-encoding")
CORS_EXPOSE_HEADERS = ["retry-after", "x-sentry-rate-limits"]
