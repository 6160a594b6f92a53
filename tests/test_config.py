"""Settings: embedded defaults, production refusals, database URLs."""

import pytest

from crm.config import ConfigError, load

PRODUCTION = {
    "SAMPARK_ENV": "production", "SECRET_KEY": "s" * 32, "DATABASE_URL": "postgresql://db/sampark",
    "REDIS_URL": "redis://r:6379/0", "PUBLIC_BASE_URL": "https://help.example.in", "TELEPHONY": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t" * 32, "TWILIO_PHONE_NUMBER": "+911800112233",
    "CARD_SIGNING_KEY_FILE": "/etc/sampark/card.pem",
}


def test_embedded_default_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = load(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'sampark.db'}"
    assert config["TELEPHONY"] == "emulator"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_development_secret_is_kept_between_starts(tmp_path):
    assert load(tmp_path)["SECRET_KEY"] == load(tmp_path)["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TWILIO_AUTH_TOKEN", "CARD_SIGNING_KEY_FILE"])
def test_production_refuses_to_start_without_a_secret(tmp_path, missing):
    settings = dict(PRODUCTION)
    del settings[missing]
    with pytest.raises(ConfigError, match=missing):
        load(tmp_path, settings)


def test_production_refuses_the_emulator(tmp_path):
    with pytest.raises(ConfigError, match="emulator"):
        load(tmp_path, PRODUCTION | {"TELEPHONY": "emulator"})


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
