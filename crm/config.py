"""Settings from the environment, with the embedded defaults used by the demo and tests."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

# Keys DESIGN.md promises; read from the environment, overridable by create_app(overrides).
ENV_KEYS = (
    "SAMPARK_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",  # a read replica for reports, the access log, exports, FHIR searches (crm/platform/replica.py)
    "REDIS_URL",
    "SOCKETIO_CHANNEL",  # the Redis pub/sub channel of live events (default flask-socketio)
    "PUBLIC_BASE_URL",
    "TELEPHONY",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_PHONE_NUMBER",
    "TWILIO_WHATSAPP_NUMBER",  # the WhatsApp sender (E.164, no "whatsapp:"); default TWILIO_PHONE_NUMBER
    "MISSED_CALL_NUMBER",  # the second number whose calls are rejected unanswered and called back
    "CARD_SIGNING_KEY_FILE",
    "HELPLINE_DISPLAY_NUMBER",
    "EMULATOR_URL",
    "TWILIO_API_KEY",
    "TWILIO_API_SECRET",
    "TWILIO_TWIML_APP_SID",
    "QUEUE_SLA_SECONDS",
    "IVR_SPEECH",
    # The supervisor board's service-level thresholds and targets (crm/helpline/supervisor/kpis.py has the defaults).
    "SL_TIER1_SECONDS", "SL_TIER1_TARGET", "SL_TEXTS_SECONDS", "SL_TEXTS_TARGET", "SL_TIER2_SECONDS",
    "SL_TIER2_TARGET", "SL_EMERGENCY_SECONDS", "SL_EMERGENCY_TARGET", "SHORT_ABANDON_SECONDS", "ABANDON_TARGET",
    # Contacts offered to agents: how long an offer rings, how long a caller waits for a speaker of their language,
    # how long an agent who turned a contact down is not offered it again (crm/helpline/distribution.py).
    "OFFER_SECONDS", "LANGUAGE_WAIT_SECONDS", "REJECTED_SECONDS",
    "SESSION_IDLE_MINUTES",
    "TRUSTED_PROXY_HOPS",
    "LOGIN_RATE_LIMIT",
    "API_TOKEN_DAYS",
    "REGISTRY_UPLOAD_MAX_MB",
    "REGISTRY_UPLOAD_DIR",
    # Days to resolve a grievance, per category (crm/citizens/grievances/services.py has the defaults).
    "GRIEVANCE_DAYS_FACILITY", "GRIEVANCE_DAYS_STAFF", "GRIEVANCE_DAYS_CARD_DELIVERY", "GRIEVANCE_DAYS_HELPLINE",
    # How long after its answer a citizen may reopen one, how long a desk has an escalated one before it goes up
    # again, and the senior desk every section answers to (crm/citizens/grievances/followup.py, desks.py).
    "GRIEVANCE_REOPEN_DAYS", "GRIEVANCE_ESCALATION_DAYS", "GRIEVANCE_SENIOR_DESK",
    "CARD_REQUEST_DAYS",  # days the portal promises for a revised or duplicate card (crm/residents/card_office/requests.py)
    # PostgreSQL connections each process keeps open, and how many more it may open in a burst (README, sizing).
    "DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW", "DATABASE_PREPARED_STATEMENTS",
    "LOG_FORMAT",  # json (default in production) or text (default elsewhere): crm/platform/logs.py
    # Days kept after their end (crm/platform/retention.py and crm/cases/retention.py: the defaults and why).
    "RETENTION_PORTAL_CODES_DAYS", "RETENTION_MESSAGE_SECRETS_DAYS", "RETENTION_CITIZEN_SESSIONS_DAYS",
    "RETENTION_STAFF_SESSIONS_DAYS", "RETENTION_MESSAGE_BODIES_DAYS", "RETENTION_CLOSED_CASES_DAYS",
    # Months of a partitioned table kept (crm/cases/retention.py: MONTHLY; unset timeline or texts: every month kept).
    "RETENTION_AUDIT_LOG_DAYS", "RETENTION_CASE_EVENTS_DAYS", "RETENTION_MESSAGES_DAYS",
    "METRICS_TOKEN",  # the bearer token Prometheus scrapes /metrics with (unset: /metrics is off)
    "SENTRY_DSN",  # error tracking (Sentry's SDK, or a service that takes its protocol); unset: off
    # India (README "Going live in India"): the BYOC trunk every outbound call leaves through, the SMS provider,
    # Exotel's account and the DLT registration the texts travel under.
    "TWILIO_BYOC_TRUNK_SID", "SMS_PROVIDER", "EXOTEL_ACCOUNT_SID", "EXOTEL_API_KEY", "EXOTEL_API_TOKEN",
    "EXOTEL_SUBDOMAIN", "EXOTEL_SMS_NUMBER", "EXOTEL_SENDER_ID", "EXOTEL_WEBHOOK_TOKEN", "DLT_ENTITY_ID",
    "EMULATOR_MOUNT",  # serve the Twilio emulator under /emulator (default: when TELEPHONY=emulator; never production)
)

EMULATOR_ACCOUNT_SID = "AC" + "0" * 32
EMULATOR_AUTH_TOKEN = "emulator-auth-token"
# Settings a production start must be given: each one's default is only fit for the demo and tests (a key in
# instance/, no Redis, http://127.0.0.1, the built-in emulator and its public credentials). DATABASE_URL has no
# default anywhere: `./run demo` sets it to its private PostgreSQL cluster.
PRODUCTION_REQUIRED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL", "CARD_SIGNING_KEY_FILE",
                       "TELEPHONY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_PHONE_NUMBER")
TELEPHONY_PROVIDERS = ("twilio", "emulator")
SMS_PROVIDERS = ("twilio", "exotel")  # WhatsApp is Twilio's either way
EXOTEL_REQUIRED = ("EXOTEL_ACCOUNT_SID", "EXOTEL_API_KEY", "EXOTEL_API_TOKEN", "EXOTEL_SMS_NUMBER", "EXOTEL_SENDER_ID",
                   "EXOTEL_WEBHOOK_TOKEN", "DLT_ENTITY_ID")
EMULATOR_EXOTEL = {"EXOTEL_ACCOUNT_SID": "sampark-emulator", "EXOTEL_API_KEY": "emulator-key",
                   "EXOTEL_API_TOKEN": "emulator-exotel-token", "EXOTEL_SMS_NUMBER": "+911140000000",
                   "EXOTEL_SENDER_ID": "SMPRKH", "EXOTEL_WEBHOOK_TOKEN": "emulator-exotel-webhook-token",
                   "DLT_ENTITY_ID": "1101000000000000001"}
EMULATOR_BYOC_TRUNK = "BY" + "0" * 32
BYOC_SID = re.compile(r"BY[0-9a-fA-F]{32}")
MIN_SECRET_KEY = 32  # characters; `python -c 'import secrets; print(secrets.token_hex(32))'` gives 64


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message says which and what to do."""


def load(instance_path: Path, overrides: dict | None = None) -> dict:
    """Merge defaults, the environment and overrides into Flask config keys."""
    values = {key: os.environ[key] for key in ENV_KEYS if os.environ.get(key)}
    values.update(overrides or {})
    env = values.get("SAMPARK_ENV", "development")
    production = env == "production"
    if production:
        _check_production(values)

    instance_path.mkdir(parents=True, exist_ok=True)
    config = dict(values)
    config["SAMPARK_ENV"] = env
    config["SECRET_KEY"] = values.get("SECRET_KEY") or _instance_secret(instance_path)
    config["LOG_FORMAT"] = values.get("LOG_FORMAT") or ("json" if env == "production" else "text")
    if config["LOG_FORMAT"] not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT must be json or text; it is {config['LOG_FORMAT']!r}.")
    config["SQLALCHEMY_DATABASE_URI"] = _database_uri(values.get("DATABASE_URL"))
    if values.get("DATABASE_REPLICA_URL"):  # unset: those reads stay on the primary
        config["SQLALCHEMY_BINDS"] = {"replica": _database_uri(values["DATABASE_REPLICA_URL"])}
    config["TELEPHONY"] = values.get("TELEPHONY", "emulator")
    if config["TELEPHONY"] not in TELEPHONY_PROVIDERS:
        raise ConfigError(f"TELEPHONY must be one of {', '.join(TELEPHONY_PROVIDERS)}; it is {config['TELEPHONY']!r}.")
    config["EMULATOR_MOUNT"] = _flag(values, "EMULATOR_MOUNT", config["TELEPHONY"] == "emulator")
    config["PUBLIC_BASE_URL"] = values.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    if config["TELEPHONY"] == "emulator":
        # The built-in emulator's fixed, public credentials: it is never mounted in production.
        config.setdefault("TWILIO_ACCOUNT_SID", EMULATOR_ACCOUNT_SID)
        config.setdefault("TWILIO_AUTH_TOKEN", EMULATOR_AUTH_TOKEN)
        config.setdefault("TWILIO_PHONE_NUMBER", "+911800112233")
        config["EMULATOR_URL"] = values.get("EMULATOR_URL", config["PUBLIC_BASE_URL"] + "/emulator").rstrip("/")
    elif not config.get("TWILIO_AUTH_TOKEN"):
        raise ConfigError("TELEPHONY=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER.")
    config.setdefault("TWILIO_WHATSAPP_NUMBER", config.get("TWILIO_PHONE_NUMBER"))
    if config["TELEPHONY"] == "emulator":
        config.setdefault("MISSED_CALL_NUMBER", "+911800112244")
    _india(config)
    config["QUEUE_SLA_SECONDS"] = int(values.get("QUEUE_SLA_SECONDS", 60))
    config["IVR_SPEECH"] = str(values.get("IVR_SPEECH", "1")).lower() not in ("0", "false", "no")
    config["CARD_SIGNING_KEY_FILE"] = values.get("CARD_SIGNING_KEY_FILE") or str(instance_path / "card-signing-key.pem")
    config["HELPLINE_DISPLAY_NUMBER"] = values.get("HELPLINE_DISPLAY_NUMBER", "1800-11-2233")
    config["CARD_REQUEST_DAYS"] = _positive_int(values, "CARD_REQUEST_DAYS", 15)
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = production
    config["REMEMBER_COOKIE_SECURE"] = production
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config["PERMANENT_SESSION_LIFETIME"] = 12 * 3600  # one long shift, then log in again
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        # Connections are checked on checkout without a round trip (crm.platform.pool), not by pool_pre_ping.
        "pool_pre_ping": False,
        # A failed statement's error (logged) names the statement, never its values: phone numbers, names, texts.
        "hide_parameters": True,
        # A database that does not answer fails the request within Twilio's 15 s, not after it.
        # Behind PgBouncer in transaction mode (before 1.21, or max_prepared_statements = 0) a statement prepared on
        # one server connection is unknown on the next: DATABASE_PREPARED_STATEMENTS=off sends none (README).
        "connect_args": {"connect_timeout": 5} | (
            {} if _flag(values, "DATABASE_PREPARED_STATEMENTS", True) else {"prepare_threshold": None}),
        "pool_recycle": 3600,
        # Enough kept connections for a burst's concurrency: SQLAlchemy's default (5 kept, 10 more opened and
        # closed again as needed) made every stall of a few milliseconds open and close connections to
        # PostgreSQL (a server process forked each time: 240 in 12 s at 200 webhooks/s), which deepened the stall.
        "pool_size": _positive_int(values, "DATABASE_POOL_SIZE", 20),
        "max_overflow": _positive_int(values, "DATABASE_MAX_OVERFLOW", 10, minimum=0),
        # The connection returned last is lent first: at a steady rate a few connections stay busy (their server
        # processes awake, their prepared statements and caches hot) and the rest idle until a burst needs them.
        "pool_use_lifo": True,
        "pool_timeout": 10,  # answer Twilio (15 s) with an error, not silence
    }
    config["RATELIMIT_STORAGE_URI"] = values.get("REDIS_URL") or "memory://"
    config["RATELIMIT_HEADERS_ENABLED"] = True
    config["WTF_CSRF_TIME_LIMIT"] = None  # tied to the session instead, which expires after a shift
    config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024  # registry exports and card photos
    for key in ("TESTING", "WTF_CSRF_ENABLED", "RATELIMIT_ENABLED", "LOGIN_RATE_LIMIT"):
        if key in values:
            config[key] = values[key]
    # Failed logins per client IP; each account also locks itself after repeated failures (crm.staff.auth.lockout).
    config.setdefault("LOGIN_RATE_LIMIT", "30 per 5 minutes")
    # A shared call-center desk: a session with no request for this long ends (someone else may sit down).
    config["SESSION_IDLE_MINUTES"] = _positive_int(values, "SESSION_IDLE_MINUTES", 15)
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto; 0 trusts none of those headers.
    config["TRUSTED_PROXY_HOPS"] = _positive_int(values, "TRUSTED_PROXY_HOPS", 0, minimum=0)
    config["API_TOKEN_DAYS"] = _positive_int(values, "API_TOKEN_DAYS", 90)
    # The largest registry CSV a registrar may upload in the browser (bigger files: `flask registry import`).
    config["REGISTRY_UPLOAD_MAX_MB"] = _positive_int(values, "REGISTRY_UPLOAD_MAX_MB", 64)
    config["MAX_CONTENT_LENGTH"] = max(config["MAX_CONTENT_LENGTH"], (config["REGISTRY_UPLOAD_MAX_MB"] + 1) * 1024 * 1024)
    return config


def _india(config: dict) -> None:
    """The SMS provider and its settings, and the one rule of voice in India: a +91 caller id needs the BYOC trunk."""
    config["SMS_PROVIDER"] = str(config.get("SMS_PROVIDER") or "twilio").lower()
    if config["SMS_PROVIDER"] not in SMS_PROVIDERS:
        raise ConfigError(f"SMS_PROVIDER must be one of {', '.join(SMS_PROVIDERS)}; it is {config['SMS_PROVIDER']!r}.")
    if config["TELEPHONY"] == "emulator":
        for key, value in EMULATOR_EXOTEL.items():
            config.setdefault(key, value)
        # The demo's helpline is Indian (+91) as in Delhi: its outbound legs leave through an (emulated) BYOC trunk.
        config.setdefault("TWILIO_BYOC_TRUNK_SID", EMULATOR_BYOC_TRUNK)
    config.setdefault("EXOTEL_SUBDOMAIN", "api.in.exotel.com")  # Exotel's Mumbai cluster
    # The number citizens text: the ExoPhone when Exotel carries SMS, else the Twilio number.
    config["SMS_NUMBER"] = config.get("EXOTEL_SMS_NUMBER") if config["SMS_PROVIDER"] == "exotel" \
        else config.get("TWILIO_PHONE_NUMBER")
    trunk = config.get("TWILIO_BYOC_TRUNK_SID")
    if trunk and not BYOC_SID.fullmatch(str(trunk)):
        raise ConfigError(f"TWILIO_BYOC_TRUNK_SID must be a BYOC trunk's sid (BY and 32 hex digits); it is {trunk!r}.")


def check_india(values: dict) -> None:
    """Refuse in production what fails on the first day in India: a +91 caller id with no BYOC trunk (Twilio places
    no call to India from an Indian number), and an SMS provider without its account or its DLT registration."""
    if str(values.get("TWILIO_PHONE_NUMBER", "")).startswith("+91") and not values.get("TWILIO_BYOC_TRUNK_SID"):
        raise ConfigError("TWILIO_PHONE_NUMBER is an Indian (+91) number but TWILIO_BYOC_TRUNK_SID is not set: Twilio "
                          "refuses every call-back, desk phone and transfer to India from an Indian caller id. Set the "
                          "BYOC trunk's sid (README, 'Going live in India').")
    if str(values.get("SMS_PROVIDER") or "twilio").lower() == "exotel":
        missing = [key for key in EXOTEL_REQUIRED if not values.get(key)]
        if missing:
            raise ConfigError("SMS_PROVIDER=exotel needs " + ", ".join(missing) + " (the DLT entity id, the "
                              "registered header, the ExoPhone and the account; README, 'Going live in India').")
        _check_dlt_variables(values)


def _check_dlt_variables(values: dict) -> None:
    """The settings texts carry as DLT variables fit them (a longer one would make carriers drop every such text)."""
    from crm.platform import sms_templates

    link = sms_templates.portal_link(str(values.get("PUBLIC_BASE_URL") or ""))
    if len(link) > sms_templates.longest("case_report", "link"):
        raise ConfigError(f"PUBLIC_BASE_URL is too long for a DLT text: the portal's address texts carry ({link}) may "
                          f"have {sms_templates.longest('case_report', 'link')} characters. Use a shorter domain "
                          "(README, 'Going live in India').")
    helpline = str(values.get("HELPLINE_DISPLAY_NUMBER") or "1800-11-2233")
    if len(helpline) > sms_templates.longest("case_report", "helpline"):
        raise ConfigError(f"HELPLINE_DISPLAY_NUMBER {helpline!r} is too long for a DLT text (at most "
                          f"{sms_templates.longest('case_report', 'helpline')} characters).")


def _positive_int(values: dict, key: str, default: int, minimum: int = 1) -> int:
    raw = values.get(key, default)
    if not str(raw).strip().isdigit() or not minimum <= int(raw) <= 100_000:
        raise ConfigError(f"{key} must be a whole number from {minimum} up; it is {raw!r}.")
    return int(raw)


def _flag(values: dict, key: str, default: bool) -> bool:
    """An on/off setting: true/false, 1/0, yes/no, on/off (any case), or a bool from overrides."""
    raw = values.get(key, default)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{key} must be on or off (1/0, true/false); it is {raw!r}.")


def _check_production(values: dict) -> None:
    """Refuse every setting whose default, or whose value, is unsafe in production: each is named."""
    missing = [key for key in PRODUCTION_REQUIRED if not values.get(key)]
    if missing:
        raise ConfigError(
            "Sampark will not start in production without: " + ", ".join(missing)
            + ". Set them in the environment (see README.md, 'Production')."
        )
    if values["TELEPHONY"] != "twilio":
        raise ConfigError(f"TELEPHONY={values['TELEPHONY']} is refused when SAMPARK_ENV=production: set "
                          "TELEPHONY=twilio (the emulator shows every number's texts and sign-in codes to anyone).")
    if _flag(values, "EMULATOR_MOUNT", False):
        raise ConfigError("EMULATOR_MOUNT is refused when SAMPARK_ENV=production: the emulator is public; unset it.")
    # Flask turns its debug mode on from FLASK_DEBUG before these settings are read; an override sets DEBUG.
    if _flag({"DEBUG": values.get("DEBUG", os.environ.get("FLASK_DEBUG", ""))}, "DEBUG", False):
        raise ConfigError("DEBUG (FLASK_DEBUG) is refused when SAMPARK_ENV=production: it shows code and data "
                          "to anyone who causes an error; unset it.")
    if len(str(values["SECRET_KEY"])) < MIN_SECRET_KEY:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_KEY} random characters in production.")
    if values.get("METRICS_TOKEN") and len(str(values["METRICS_TOKEN"])) < MIN_SECRET_KEY:
        raise ConfigError(f"METRICS_TOKEN must be at least {MIN_SECRET_KEY} random characters in production "
                          "(or unset, which turns /metrics off).")
    if values["TWILIO_AUTH_TOKEN"] == EMULATOR_AUTH_TOKEN:
        raise ConfigError("TWILIO_AUTH_TOKEN is the emulator's public token: set the Twilio account's own.")
    if not values["PUBLIC_BASE_URL"].startswith("https://"):
        raise ConfigError("PUBLIC_BASE_URL must be the https:// address Twilio calls in production.")
    check_india(values)


def _database_uri(url: str | None) -> str:
    """The SQLAlchemy URL of DATABASE_URL, which must name a PostgreSQL database (the only one Sampark runs on)."""
    if not url:
        raise ConfigError("DATABASE_URL is not set: Sampark runs on PostgreSQL; set DATABASE_URL="
                          "postgresql://user@host:5432/name (`./run demo` starts a private PostgreSQL and sets it).")
    # psycopg 3 is the driver we install; accept the plain URLs hosting providers hand out.
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    scheme = url.split(":", 1)[0]  # never the rest: it may hold a password
    raise ConfigError(f"DATABASE_URL must be a PostgreSQL URL (postgresql://user@host:5432/name); it is a {scheme!r} URL. "
                      "Sampark runs on PostgreSQL only.")


def _instance_secret(instance_path: Path) -> str:
    """Development only: a random key kept in instance/ so sessions survive a restart."""
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
