"""Hindi, English, Punjabi and Urdu through gettext catalogs (Flask-Babel): translators and clinicians review
translations/*.po. Urdu is written right to left (`direction`).

The .mo files are compiled from the .po files when the app starts, into a folder of the system's temporary
directory named after the catalogs' content (so a changed .po is compiled afresh and an unchanged one once per
machine): a fresh clone needs no build step, and neither the checkout nor instance/ is ever written to.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request
from flask_babel import Babel

LANGUAGES = ("hi", "en", "pa", "ur")  # the order of the Delhi Official Language Act
NAMES = {"hi": "हिंदी", "en": "English", "pa": "ਪੰਜਾਬੀ", "ur": "اردو"}  # each in its own script
RIGHT_TO_LEFT = frozenset({"ur"})
COOKIE = "sampark_lang"
SOURCE = Path(__file__).resolve().parents[3] / "translations"
babel = Babel()


def chosen_language() -> str:
    """On citizen pages the citizen's choice (remembered in a cookie), else Hindi; staff pages are English."""
    if not has_request_context() or not request.path.startswith("/portal"):
        return "en"
    lang = request.cookies.get(COOKIE)
    return lang if lang in LANGUAGES else "hi"


def direction(lang: str) -> str:
    """'rtl' for Urdu, else 'ltr' (the html element's dir)."""
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"


def compile_catalogs(source: Path = SOURCE, root: Path | None = None) -> Path:
    """Compile every <lang>/LC_MESSAGES/*.po under `source`; returns the folder holding the .mo files."""
    pos = sorted(source.glob("*/LC_MESSAGES/*.po"))
    digest = hashlib.sha256(b"".join(str(p.relative_to(source)).encode() + p.read_bytes() for p in pos)).hexdigest()
    target = (root or Path(tempfile.gettempdir())) / f"sampark-i18n-{os.getuid()}-{digest[:16]}"
    for po in pos:
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists():
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle)
        tmp = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        tmp.replace(mo)  # another process starting at once sees no file or the whole file, never half
    return target


def init_app(app: Flask) -> None:
    """Compile the catalogs and install Flask-Babel with the citizen's language."""
    compiled = compile_catalogs()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "hi")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Kolkata")
    babel.init_app(app, locale_selector=chosen_language)
