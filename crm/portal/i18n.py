"""Hindi and English through gettext catalogs (Flask-Babel): translators and clinicians review translations/*.po.

The .mo files are compiled from the .po files when the app starts (into the instance folder, when missing
or older than their .po), so a fresh clone needs no build step and a checkout is never written to.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request
from flask_babel import Babel

LANGUAGES = ("hi", "en")
COOKIE = "sampark_lang"
SOURCE = Path(__file__).resolve().parents[2] / "translations"
babel = Babel()


def chosen_language() -> str:
    """On citizen pages the citizen's choice (remembered in a cookie), else Hindi; staff pages are English."""
    if not has_request_context() or not request.path.startswith("/portal"):
        return "en"
    lang = request.cookies.get(COOKIE)
    return lang if lang in LANGUAGES else "hi"


def compile_catalogs(target: Path, source: Path = SOURCE) -> Path:
    """Compile every translations/<lang>/LC_MESSAGES/*.po under `source` into .mo files under `target`."""
    for po in source.glob("*/LC_MESSAGES/*.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        tmp.replace(mo)  # another process starting at once sees the old file or the new one, never half
    return target


def init_app(app: Flask) -> None:
    """Compile the catalogs and install Flask-Babel with the citizen's language."""
    compiled = compile_catalogs(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "hi")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Kolkata")
    babel.init_app(app, locale_selector=chosen_language)
