"""The card signing keys of this app: loaded once, generated on first start outside production."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from crm.config import ConfigError
from crm.residents.cards.token import KeyRing


def init_app(app: Flask) -> None:
    """Load the key ring from CARD_SIGNING_KEY_FILE (a development app makes one if missing)."""
    path = Path(app.config["CARD_SIGNING_KEY_FILE"])
    if not path.exists():
        if app.config["SAMPARK_ENV"] == "production":
            raise ConfigError(f"CARD_SIGNING_KEY_FILE {path} does not exist; create it with `flask cards new-key`.")
        path.parent.mkdir(parents=True, exist_ok=True)
        KeyRing.generate(path)
    app.extensions["sampark_card_keys"] = KeyRing.load(path)


def keyring() -> KeyRing:
    """The key ring of the current app."""
    return current_app.extensions["sampark_card_keys"]
