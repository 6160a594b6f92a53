"""Settings: embedded defaults, production refusals, database URLs."""

import pytest

from crm.config import EMULATOR_AUTH_TOKEN, ConfigError, load

PRODUCTION = {
    "SAMPARK_ENV": "production", "SECRET_KEY": "s" * 32, "DATABASE_URL": "postgresql://db/sampark",
    "REDIS_URL": "redis://r:6379/0", "PUBLIC_BASE_URL": "https://help.example.in", "TELEPHONY": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t" * 32, "TWILIO_PHONE_NUMBER": "+911800112233",
    "CARD_SIGNING_KEY_FILE": "/etc/sampark/card.pem", "TWILIO_BYOC_TRUNK_SID": "BY" + "0" * 32,
}
EXOTEL = {"SMS_PROVIDER": "exotel", "EXOTEL_ACCOUNT_SID": "sampark1", "EXOTEL_API_KEY": "key", "EXOTEL_API_TOKEN": "token",
          "EXOTEL_SMS_NUMBER": "+911140000000", "EXOTEL_SENDER_ID": "SMPRKH", "EXOTEL_WEBHOOK_TOKEN": "w" * 32,
          "DLT_ENTITY_ID": "1101000000000000001"}


@pytest.fixture(autouse=True)
def database_url(monkeypatch):
    """A PostgreSQL DATABASE_URL in the environment, as `./run demo` and every deployment give (load() does not connect)."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/sampark")


def test_embedded_defaults_are_the_emulator_and_in_memory_limits(tmp_path):
    config = load(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/sampark"
    assert config["TELEPHONY"] == "emulator"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_without_a_database_url_it_says_to_set_a_postgresql_one(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(ConfigError, match="DATABASE_URL is not set: Sampark runs on PostgreSQL"):
        load(tmp_path)


def test_a_database_url_other_than_postgresql_is_refused_without_showing_it(tmp_path):
    with pytest.raises(ConfigError, match="must be a PostgreSQL URL") as refused:
        load(tmp_path, {"DATABASE_URL": "mysql://sampark:hunter2@db/sampark"})
    assert "'mysql'" in str(refused.value) and "hunter2" not in str(refused.value)
    with pytest.raises(ConfigError, match="PostgreSQL"):
        load(tmp_path, {"DATABASE_URL": f"sqlite:///{tmp_path / 'sampark.db'}"})


def test_development_secret_is_kept_between_starts(tmp_path):
    assert load(tmp_path)["SECRET_KEY"] == load(tmp_path)["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL",
                                     "CARD_SIGNING_KEY_FILE", "TELEPHONY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                                     "TWILIO_PHONE_NUMBER"])
def test_production_refuses_to_start_without_each_required_setting(tmp_path, monkeypatch, missing):
    monkeypatch.delenv(missing, raising=False)
    settings = dict(PRODUCTION)
    del settings[missing]
    with pytest.raises(ConfigError, match=f"without: {missing}"):
        load(tmp_path, settings)


def test_production_without_telephony_does_not_fall_back_to_the_emulator(tmp_path, monkeypatch):
    monkeypatch.delenv("TELEPHONY", raising=False)
    settings = {key: value for key, value in PRODUCTION.items() if key != "TELEPHONY"}
    with pytest.raises(ConfigError, match="TELEPHONY"):
        load(tmp_path, settings)


@pytest.mark.parametrize("unsafe, named", [
    ({"TELEPHONY": "emulator"}, "TELEPHONY=emulator"),
    ({"TELEPHONY": "plivo"}, "TELEPHONY"),
    ({"EMULATOR_MOUNT": True}, "EMULATOR_MOUNT"),
    ({"EMULATOR_MOUNT": "1"}, "EMULATOR_MOUNT"),
    ({"DEBUG": True}, "DEBUG"),
    ({"SECRET_KEY": "changeme"}, "SECRET_KEY"),
    ({"TWILIO_AUTH_TOKEN": EMULATOR_AUTH_TOKEN}, "TWILIO_AUTH_TOKEN"),
    ({"PUBLIC_BASE_URL": "http://help.example.in"}, "PUBLIC_BASE_URL"),
])
def test_production_refuses_an_unsafe_setting_by_name(tmp_path, unsafe, named):
    with pytest.raises(ConfigError, match=named):
        load(tmp_path, PRODUCTION | unsafe)


def test_production_refuses_flask_debug_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="DEBUG"):
        load(tmp_path, PRODUCTION)


def test_production_with_every_setting_named_starts_without_the_emulator(tmp_path):
    config = load(tmp_path, PRODUCTION)
    assert config["TELEPHONY"] == "twilio" and config["EMULATOR_MOUNT"] is False


@pytest.mark.parametrize("value, mounted", [(None, True), ("0", False), ("false", False), ("1", True)])
def test_the_emulator_mount_is_read_as_on_or_off(tmp_path, value, mounted):
    overrides = {"TELEPHONY": "emulator"} | ({"EMULATOR_MOUNT": value} if value is not None else {})
    assert load(tmp_path, overrides)["EMULATOR_MOUNT"] is mounted


def test_production_cookies_are_secure(tmp_path):
    config = load(tmp_path, PRODUCTION)
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"


@pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db"])
def test_postgres_urls_use_psycopg3(tmp_path, url):
    assert load(tmp_path, {"DATABASE_URL": url})["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_postgres_pool_keeps_enough_connections_for_a_burst(tmp_path):
    engine = load(tmp_path, {"DATABASE_URL": "postgresql://db/sampark"})["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (engine["pool_size"], engine["max_overflow"]) == (20, 10)
    sized = load(tmp_path, {"DATABASE_URL": "postgresql://db/sampark", "DATABASE_POOL_SIZE": "8",
                            "DATABASE_MAX_OVERFLOW": "0"})["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (sized["pool_size"], sized["max_overflow"]) == (8, 0)
    with pytest.raises(ConfigError, match="DATABASE_POOL_SIZE"):
        load(tmp_path, {"DATABASE_URL": "postgresql://db/sampark", "DATABASE_POOL_SIZE": "lots"})


def test_production_refuses_an_indian_caller_id_without_a_byoc_trunk(tmp_path):
    settings = {key: value for key, value in PRODUCTION.items() if key != "TWILIO_BYOC_TRUNK_SID"}
    with pytest.raises(ConfigError, match="TWILIO_BYOC_TRUNK_SID"):
        load(tmp_path, settings)
    load(tmp_path, settings | {"TWILIO_PHONE_NUMBER": "+14155550100"})  # a non-Indian caller id needs no trunk


def test_a_byoc_trunk_must_be_a_trunk_sid(tmp_path):
    with pytest.raises(ConfigError, match="BY and 32 hex"):
        load(tmp_path, PRODUCTION | {"TWILIO_BYOC_TRUNK_SID": "trunk-1"})


@pytest.mark.parametrize("missing", [key for key in EXOTEL if key != "SMS_PROVIDER"])
def test_production_refuses_exotel_without_its_account_or_dlt_ids(tmp_path, missing):
    with pytest.raises(ConfigError, match=missing):
        load(tmp_path, PRODUCTION | {k: v for k, v in EXOTEL.items() if k != missing})


@pytest.mark.parametrize(("setting", "value"), [("PUBLIC_BASE_URL", "https://sampark-helpline.health.delhi.gov.in"),
                                              ("HELPLINE_DISPLAY_NUMBER", "1800-11-2233 (toll free)")])
def test_production_refuses_exotel_when_a_setting_would_not_fit_its_dlt_variable(tmp_path, setting, value):
    # The case report texts the portal's address and the helpline's number as DLT variables (at most 30 and 16
    # characters): a longer one would have every such text dropped by the carriers' scrubbers.
    with pytest.raises(ConfigError, match=setting):
        load(tmp_path, PRODUCTION | EXOTEL | {setting: value})


def test_production_with_exotel_named_in_full_starts_and_texts_from_the_exophone(tmp_path):
    config = load(tmp_path, PRODUCTION | EXOTEL)
    assert (config["SMS_PROVIDER"], config["SMS_NUMBER"]) == ("exotel", "+911140000000")


def test_an_unknown_sms_provider_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SMS_PROVIDER"):
        load(tmp_path, {"SMS_PROVIDER": "pigeon"})
