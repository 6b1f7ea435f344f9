"""Settings for the LCSPR case manager, read from the environment (12-factor).

One module for every environment. Secure by default: DEBUG is off unless set to
1, SECRET_KEY is then required, and HTTPS-only cookies and headers are on. The
README's configuration table lists every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# Only the demo (`make run`) runs with DEBUG on; that key signs nothing real. With
# DEBUG off there is no default: the web app, the worker and every management
# command that runs system checks refuse to start without one (lcspr/startup.py),
# while makemigrations and the like still work for developers.
SECRET_KEY = env.str("SECRET_KEY", default="insecure-demo-key-for-make-run-only" if DEBUG else "")
# Django refuses to read an empty SECRET_KEY at all, so the start-up checks read this.
SECRET_KEY_MISSING = not SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "cases",
    "rapidreview",
    "reviews",
    "publication",
    "reporting",
    "retention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cases.security.RejectNullCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cases.security.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After MessageMiddleware: says "emails will follow" when the broker was down.
    "cases.mail_queue.MailQueueNoticeMiddleware",
    "cases.security.SessionTimeoutMiddleware",
    "cases.security.TwoFactorRequiredMiddleware",
    "cases.middleware.ScopeMiddleware",
    # After the scope, for the page's header; before anything reads a form's body.
    "cases.uploads.FormTooLargeMiddleware",
    "cases.security.AccessLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cases.security.PermissionsPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees every sign-in attempt's outcome.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # django-axes refuses a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "lcspr.urls"
WSGI_APPLICATION = "lcspr.wsgi.application"
ASGI_APPLICATION = "lcspr.asgi.application"

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
                "cases.context_processors.scope",
            ],
            "builtins": ["cases.templatetags.govuk_dates"],
        },
    },
]

# Database: an embedded SQLite file under var/ unless DATABASE_URL is set
# (e.g. postgres://user@127.0.0.1:5432/lcspr).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lcspr.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo runs the web app and a worker side by side on one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # The development server runs each request in a new thread, and a thread's persistent
    # connection is never closed when the thread ends: with DEBUG every request closes its own.
    # Otherwise a connection lives ten minutes, and its prepared statements with it (below).
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if DEBUG else env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Issue 18: the dashboards run the same few dozen scoped queries on every request,
        # and PostgreSQL spent longer planning them than running them. With the parameters
        # bound on the server, psycopg prepares a query the second time its connection runs
        # it, and the server keeps its plan. At 5 times (and connections closed after a
        # minute) a page that each web worker serves now and then never got there: under
        # `make loadtest` the office's dashboard was 1.1-1.2 times the changelist's time,
        # 1.0 at 2. Off (`0`) behind a pooler in transaction mode, which cannot keep a
        # connection's prepared statements.
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": 1,
        }
        # How many a connection keeps (lcspr/startup.py): psycopg keeps the last 100 by
        # default, and the load test's pages alone run 863 distinct queries, so each page's
        # plans were dropped before it came round again. Each kept plan costs the server
        # about 100 kB (pg_backend_memory_contexts: 17 MB for 163), so up to about 100 MB a
        # connection at this bound.
        DATABASE_PREPARED_MAX = env.int("DATABASE_PREPARED_MAX", default=1000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cases.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Older hashes are upgraded to Argon2 at the next sign-in.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# Django's own date formats (the admin, a bare `{{ day }}`) as GOV.UK writes dates,
# like `cases.dates`, which every page, email and document uses.
FORMAT_MODULE_PATH = ["lcspr.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and generated files (agencies' documents, reports, genograms): always through
# Django's storage API, never a filesystem path, so that a storage chosen here serves
# every web host alike. The embedded default is a folder on this host; STORAGE_BACKEND=s3
# (or a bucket name alone) puts them in an S3-compatible object store, for more than one
# web host (README, More than one web host).
MEDIA_STORAGE_BACKENDS = {
    "filesystem": "django.core.files.storage.FileSystemStorage",
    "s3": "storages.backends.s3.S3Storage",
}
# Empty counts as unset (docker-compose passes every variable, set or not).
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="") or (
    "s3" if env.str("AWS_STORAGE_BUCKET_NAME", default="") else "filesystem"
)
if STORAGE_BACKEND not in MEDIA_STORAGE_BACKENDS:
    raise ImproperlyConfigured(
        f"STORAGE_BACKEND is {STORAGE_BACKEND!r}: it must be one of "
        f"{', '.join(MEDIA_STORAGE_BACKENDS)}."
    )
# Only a private ACL, or none for a bucket whose ACLs are disabled (AWS's "bucket owner
# enforced"), where the bucket's policy and public access block keep the files private.
PRIVATE_S3_ACLS = ("private", "bucket-owner-full-control", "")
_s3_acl = env.str("AWS_DEFAULT_ACL", default="private")
if STORAGE_BACKEND == "s3" and _s3_acl not in PRIVATE_S3_ACLS:
    raise ImproperlyConfigured(
        f"AWS_DEFAULT_ACL is {_s3_acl!r}: uploaded files are about children and are never "
        "public. Use private (the default), bucket-owner-full-control, or empty for a "
        "bucket whose ACLs are disabled."
    )
if STORAGE_BACKEND == "s3":
    MEDIA_STORAGE_OPTIONS = {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),  # required: refuses to start without
        # Another provider's (MinIO, Ceph, a UK cloud's) address; none for AWS itself.
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        # Without keys boto3 looks for them as it always does (an instance role, say).
        "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
        # MinIO and most self-hosted stores want "path"; AWS, "virtual" (or auto).
        "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
        "signature_version": "s3v4",
        # Files about children: never public. Each object is private whatever the
        # bucket's default, and any URL made for one is signed and short-lived (the
        # product itself serves files only through views that check permission).
        "default_acl": _s3_acl or None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "custom_domain": None,
        # Two uploads never share a name: a name taken gets a suffix, as on a folder.
        "file_overwrite": False,
    }
else:
    # Uploads live outside the web root and are only served through views that check
    # permission.
    MEDIA_STORAGE_OPTIONS = {"location": env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))}
STORAGES = {
    "default": {
        "BACKEND": MEDIA_STORAGE_BACKENDS[STORAGE_BACKEND],
        "OPTIONS": MEDIA_STORAGE_OPTIONS,
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Source maps (the API docs' bundles ship 6 MB of them) are for a developer's tools, not
# for users: compressing them at build took most of collectstatic's minute.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# Cache and background jobs: Redis when REDIS_URL is set. Without it the cache
# is in-process and Celery uses kombu's filesystem transport under var/, so
# `make run` still runs a real worker (and beat) with nothing else installed: one host
# only. With Redis every web host shares the cache (rate-limit counters only:
# lcspr/cache.py), and a Redis outage costs the counts, never a page.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "lcspr.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that is gone or hangs costs a request at most a second.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # Redis hands an unacknowledged task to another worker once visibility_timeout
    # passes. With acks_late (below) a task is acknowledged only when it ends, so a
    # timeout shorter than the longest run would hand a task that is still running to a
    # second worker: it is set above the hard time limit, after which the task is dead.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_TASK_TIME_LIMIT", default=360) + 60
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_QUEUE_DIR = Path(env.str("CELERY_QUEUE_DIR", default=str(VAR_DIR / "celery")))
    for _folder in ("queue", "control"):
        (CELERY_QUEUE_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it ends, not when it starts, and a worker killed mid-task
# (SIGKILL, out of memory) hands it back to the queue: the job runs again rather than
# being lost. So a task can run twice: every task claims its rows (a sent-stamp, a unique
# constraint) and is safe to run twice, or at once under two beats.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = False
# Every task stops: the soft limit raises inside it (a sender un-claims what it has not
# sent), the hard limit kills it. Both are well above EMAIL_TIMEOUT.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# A long document (issue 18: a 146-page combined chronology took 10-13 s on the web) is
# rendered by the worker: ten times that, and then it is said to have failed.
DOCUMENT_RENDER_SOFT_TIME_LIMIT = env.int("DOCUMENT_RENDER_SOFT_TIME_LIMIT", default=150)
DOCUMENT_RENDER_TIME_LIMIT = env.int("DOCUMENT_RENDER_TIME_LIMIT", default=180)
# The daily deadline sweep (reminders and escalations).
REMINDER_SWEEP_HOUR = env.int("REMINDER_SWEEP_HOUR", default=7)
REMINDER_SWEEP_MINUTE = env.int("REMINDER_SWEEP_MINUTE", default=0)
# The mail sweep sends what a broker outage left unsent (every email-bearing row has a
# sent-stamp); the grace period leaves fresh rows to their own job.
MAIL_SWEEP_MINUTES = env.int("MAIL_SWEEP_MINUTES", default=5)
MAIL_SWEEP_GRACE_MINUTES = env.int("MAIL_SWEEP_GRACE_MINUTES", default=10)
CELERY_BEAT_SCHEDULE = {
    "deadlines-sweep": {
        "task": "cases.tasks.deadlines_sweep",
        "schedule": crontab(hour=REMINDER_SWEEP_HOUR, minute=REMINDER_SWEEP_MINUTE),
    },
    "mail-sweep": {
        "task": "cases.tasks.mail_sweep",
        "schedule": crontab(minute=f"*/{MAIL_SWEEP_MINUTES}"),
    },
    "rapid-review-mail-sweep": {
        "task": "rapidreview.tasks.mail_sweep",
        "schedule": crontab(minute=f"*/{MAIL_SWEEP_MINUTES}"),
    },
    "lcspr-mail-sweep": {
        "task": "reviews.tasks.mail_sweep",
        "schedule": crontab(minute=f"*/{MAIL_SWEEP_MINUTES}"),
    },
    # issue 16: learning. The CRG chairs not yet told of a national review request (§12.3).
    "learning-mail-sweep": {
        "task": "publication.tasks.learning_mail_sweep",
        "schedule": crontab(minute=f"*/{MAIL_SWEEP_MINUTES}"),
    },
    # issue 18: long documents that a broker outage or a lost worker left waiting.
    "documents-sweep": {
        "task": "cases.tasks.documents_sweep",
        "schedule": crontab(minute=f"*/{MAIL_SWEEP_MINUTES}"),
    },
    "duplicate-guards-purge": {
        "task": "cases.tasks.duplicate_guards_purge",
        "schedule": crontab(hour=3, minute=30),
    },
    # issue 16: public. Reports archived after their year of publication (§10.5.2).
    "publications-archive": {
        "task": "publication.tasks.publications_archive_sweep",
        "schedule": crontab(hour=REMINDER_SWEEP_HOUR, minute=REMINDER_SWEEP_MINUTE),
    },
    # issue 18: retention. Closed cases flagged for a person's decision (retention/rules.py).
    "retention-reviews-flag": {
        "task": "retention.tasks.retention_reviews_sweep",
        "schedule": crontab(hour=REMINDER_SWEEP_HOUR, minute=REMINDER_SWEEP_MINUTE),
    },
    # issue 16: actions. Reminders and escalation of the action plans' actions (§11.4.1).
    "action-reminders-sweep": {
        "task": "publication.tasks.action_reminders_sweep",
        "schedule": crontab(hour=REMINDER_SWEEP_HOUR, minute=REMINDER_SWEEP_MINUTE),
    },
    # issue 16: plan. The publication's emails (plan steps' owners, the pack, §10.5.1).
    "publication-plan-mail-sweep": {
        "task": "publication.tasks.plan_mail_sweep",
        "schedule": crontab(minute=f"*/{MAIL_SWEEP_MINUTES}"),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Email: console output unless EMAIL_URL is set (e.g. smtp+tls://user:pass@host:587).
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# With EMAIL_URL=filemail://, each email is written to a file in this folder (make faults
# counts them there).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default="")
# Seconds a mail server may take to answer before the send fails and is retried later:
# without it a server that accepts and never answers holds a worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="lcspr@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. HTTPS is assumed in production; the demo and the browser tests run
# over plain http on localhost and set HTTPS=0 (DEBUG=1 implies it).
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer's check speaks plain http
# Behind one TLS proxy that alone reaches the app (docker-compose binds gunicorn to
# 127.0.0.1): its X-Forwarded-Proto says whether the client used https, and the
# address it appends to X-Forwarded-For is the client's (cases/client_address.py).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request, and in any
# case SESSION_ABSOLUTE_TIMEOUT seconds after signing in (cases/security.py).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=10 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# Sessions are rows in the database every web host shares (never the cache, nor a file on
# one host), so any host serves any request and the load balancer needs no stickiness.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cases.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cases.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cases.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["cases.api.throttling.ApiClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_client": env.str("API_RATE_LIMIT", default="600/minute")},
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LCSPR case manager API",
    "DESCRIPTION": (
        "Intake for Local Authority systems and read access for reporting systems. "
        "Authenticate with `Authorization: Token <key>` (see `manage.py create_api_token`). "
        "Every response is scoped to the token's partnership. A refusal answers JSON: "
        "`detail` with a message, or each refused field with its messages. 400: not as "
        "this schema says; 422: as the schema says, but a rule refuses it (nothing saved); "
        "429: over `API_RATE_LIMIT` requests a minute for the token. Creates take an "
        "`Idempotency-Key` header, so that a retry never opens a second case."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cases.api.schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # A calendar feed's address is its key: no line shows it (lcspr/redaction.py).
    "filters": {"redact_secrets": {"()": "lcspr.redaction.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler would print every record a second time.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Request lines carry only URLs, which hold case references, never names (and
        # calendar feed addresses, which the console handler's filter redacts).
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # Our access log records every sign-in; axes' own lines would repeat it.
        "axes": {"level": "WARNING"},
        # WeasyPrint narrates each rendering step at INFO, and its HTML warnings can
        # quote the document: only errors, which name the template, are kept.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}

# Change reasons can quote a user's words (a waiver's reason): a text column, not 100 chars.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

PRODUCT_NAME = "LCSPR case manager"
# Where people reach the product: links in emails (never case content) start with it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Documents agencies attach to replies (cases/services/information_request.py).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# The first handler stops reading a body once its file passes UPLOAD_MAX_BYTES
# (cases/uploads.py); a file under the limit is then held in memory up to
# FILE_UPLOAD_MAX_MEMORY_SIZE and in a temporary file beyond it.
# The report's Word drafts (reviews/docx.py): refused past this size, said in the refusal.
# Uploads stop at UPLOAD_MAX_BYTES as they arrive, so the smaller of the two applies.
REPORT_DRAFT_MAX_BYTES = env.int("REPORT_DRAFT_MAX_BYTES", default=20 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "cases.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Everything but files: form fields and API bodies. The largest form, an agency's
# reply, has six 20,000-character answers: up to about 1.5 MB once URL-encoded.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)

# Two factors for every account (django-otp): an authenticator app (TOTP), with
# single-use recovery codes.
OTP_TOTP_ISSUER = PRODUCT_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
RECOVERY_CODE_COUNT = 10

# Brute-force protection (django-axes): AXES_FAILURE_LIMIT failures lock the
# account and, separately, the address, until an admin unlocks them in /admin/
# (or AXES_COOLOFF_HOURS pass: 1 by default, so that someone who types other
# people's names cannot keep them out for long).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Failures are counted in the database, so a lockout holds on every web host.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cases.views.sign_in.locked_out"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# The client's address, the same one the access log records: behind the proxy, the
# one it forwards (without this every sign-in would share the proxy's address).
AXES_CLIENT_IP_CALLABLE = "cases.client_address.client_ip_address"

# Content Security Policy (django-csp): no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# Demo data (`seed_demo`) has known passwords: allowed only for the local demo and
# the tests, and `check --deploy` fails while it is on (cases/checks.py).
DEMO_DATA_ALLOWED = env.bool("DEMO", default=DEBUG)
DEMO_PASSWORD_DEFAULT = "lcspr-demo-only"  # noqa: S105 - the README states it; demo only
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default=DEMO_PASSWORD_DEFAULT)
