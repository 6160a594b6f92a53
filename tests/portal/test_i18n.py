"""The catalogs: every Hindi message translated, placeholders kept, compiled without a build step."""

import re

from babel.messages.pofile import read_po

from crm.citizens.portal import i18n


def _catalog():
    with (i18n.SOURCE / "hi/LC_MESSAGES/messages.po").open("rb") as handle:
        return read_po(handle)


def test_every_message_has_a_hindi_translation_with_the_same_placeholders():
    import re

    for message in _catalog():
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


def test_hindi_sms_fit_in_few_segments():
    from crm.platform.sms_parts import segments

    for message in _catalog():
        if message.id and str(message.id).startswith("Sampark:"):
            filled = re.sub(r"%\(\w+\)s", "GRV-00001", message.string)
            assert segments(filled) <= 2, message.id


