"""The IVR's recorded prompts: for a language Twilio has no voice for (Urdu), each prompt is an audio file.

Files live under static/ivr/<language>/ and are played with <Play> by a URL relative to the webhook's
(Twilio resolves it like a browser). A prompt without a number is `<key>.mp3`; a prompt with numbers in
it is recorded in pieces around them, `<key>.1.mp3`, `<key>.2.mp3`..., and each number 1-99 is its own
file `number/<n>.mp3` (Urdu numbers are words of their own, not composed from digits).

`flask --app wsgi ivr-recordings` prints every expected file with the words to record, and which are
missing (exit status 1 while any is). At start the app logs how many are missing: until a prompt's
recording is there, the caller hears its Urdu words spoken by the Hindi voice instead (prompts.say; the words in
Devanagari are prompt_text.URDU_IN_DEVANAGARI). Only a file named as expected here counts: nothing else in the folder
is ever played.
"""

from __future__ import annotations

import logging
import re
import string
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from telephony.prompt_text import TEXT

RECORDED = ("ur",)  # languages without a Twilio voice
MAX_NUMBER = 99
_FIELD = re.compile(r"\{(\w+)\}")
log = logging.getLogger(__name__)
_present: dict[str, frozenset[str]] = {lang: frozenset() for lang in RECORDED}


def pieces(key: str, lang: str) -> list[str]:
    """The prompt's recorded pieces in order: its words between numbers ('{position}' stands for a number)."""
    text = TEXT[key][lang]
    fields = [name for _, name, _, _ in string.Formatter().parse(text) if name]
    if not fields:
        return [text]
    parts = _FIELD.split(text)  # words, field, words, field, words
    return [p if i % 2 == 0 else "{" + p + "}" for i, p in enumerate(parts) if p.strip()]


def expected(lang: str) -> list[tuple[str, str]]:
    """(file name under static/ivr/<lang>/, what to say) for every prompt and number of the language."""
    files = []
    for key in TEXT:
        parts = pieces(key, lang)
        if len(parts) == 1:
            files.append((f"{key}.mp3", parts[0]))
            continue
        words = [p for p in parts if not p.startswith("{")]
        files += [(f"{key}.{i}.mp3", p) for i, p in enumerate(words, 1)]
    files += [(f"number/{n}.mp3", str(n)) for n in range(1, MAX_NUMBER + 1)]
    return files


def folder(app: Flask, lang: str) -> Path:
    """Where the language's recordings are kept."""
    return Path(app.static_folder) / "ivr" / lang


def missing(app: Flask, lang: str) -> list[str]:
    """The expected files of `lang` not present."""
    root = folder(app, lang)
    return [name for name, _ in expected(lang) if not (root / name).is_file()]


def install(app: Flask) -> None:
    """Note which recordings exist (once, at start) and say in the log how many the Hindi voice says instead."""
    for lang in RECORDED:
        names = {name for name, _ in expected(lang)}
        absent = missing(app, lang)
        _present[lang] = frozenset(names - set(absent))
        if absent:  # a warning where callers hear it; a note in the demo and development, which have no recordings
            level = logging.WARNING if app.config.get("SAMPARK_ENV") == "production" else logging.INFO
            log.log(level, "IVR: %d of %d %s recordings are missing in %s (flask ivr-recordings lists them); "
                    "the Hindi voice speaks their Urdu words (in Devanagari) in their place", len(absent), len(names),
                    lang, folder(app, lang))
    app.cli.add_command(recordings_command)


def urls(key: str, lang: str, values: dict) -> list[str] | None:
    """The recordings to play, in order, for the prompt with its numbers; None when any is missing."""
    present, played = _present.get(lang, frozenset()), []
    parts = pieces(key, lang)
    words = 0
    for part in parts:
        if part.startswith("{"):
            number = int(values[part[1:-1]])
            name = f"number/{number}.mp3" if 1 <= number <= MAX_NUMBER else None
        else:
            words += 1
            name = f"{key}.mp3" if len(parts) == 1 else f"{key}.{words}.mp3"
        if name is None or name not in present:
            return None
        played.append(f"/static/ivr/{lang}/{name}")
    return played


@click.command("ivr-recordings")
@click.option("--lang", default="ur", type=click.Choice(RECORDED))
@with_appcontext
def recordings_command(lang: str) -> None:
    """List the IVR recordings a language needs (file, words to say) and fail while any is missing."""
    from flask import current_app

    absent = set(missing(current_app, lang))
    for name, words in expected(lang):
        click.echo(f"{'MISSING' if name in absent else 'ok     '}\t{name}\t{words}")
    click.echo(f"{len(absent)} missing in {folder(current_app, lang)}")
    if absent:
        raise SystemExit(1)
