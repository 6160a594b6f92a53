"""The catalogs: every Hindi message translated, placeholders kept, compiled without a build step."""

import re

import pytest
from babel.messages.pofile import read_po

from crm.citizens.portal import i18n


def _catalog(lang: str = "hi"):
    with (i18n.SOURCE / f"{lang}/LC_MESSAGES/messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("lang", ["hi", "pa", "ur"])
def test_every_message_has_a_translation_with_the_same_placeholders(lang):
    for message in _catalog(lang):
        if not message.id:
            continue
        assert message.string, message.id
        assert not message.fuzzy, message.id
        assert set(re.findall(r"%\(\w+\)s", message.id)) == set(re.findall(r"%\(\w+\)s", message.string)), message.id


def test_catalogs_compile_outside_the_checkout_and_once(tmp_path):
    first = i18n.compile_catalogs(root=tmp_path)
    mo = first / "hi/LC_MESSAGES/messages.mo"
    assert mo.exists() and not str(first).startswith(str(i18n.SOURCE.parent))
    stamp = mo.stat().st_mtime_ns
    assert i18n.compile_catalogs(root=tmp_path) == first and mo.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("lang", ["hi", "pa", "ur"])
def test_sms_fit_in_few_segments(lang):
    from crm.platform.sms_parts import segments

    for message in _catalog(lang):
        if message.id and str(message.id).startswith("Sampark:"):
            filled = re.sub(r"%\(\w+\)s", "GRV-00001", message.string)
            assert segments(filled) <= 2, message.id




@pytest.mark.parametrize("lang", ["pa", "ur"])
def test_punjabi_and_urdu_catalogs_have_every_message_of_the_hindi_one_in_their_own_script(lang):
    letters = {"pa": "[\u0a00-\u0a7f]", "ur": "[\u0600-\u06ff]"}[lang]
    hindi = {m.id for m in _catalog() if m.id}
    theirs = {m.id: m.string for m in _catalog(lang) if m.id}
    assert set(theirs) == hindi
    assert all(re.search(letters, text) or text in ("SMS",) for text in theirs.values())
