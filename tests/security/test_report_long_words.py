"""One enormous word in an SMS must not make the case report PDF slow, nor lose any of it."""

import time

import pytest

from crm.helpline.case_report_pdf import _Report


@pytest.fixture
def pdf():
    report = _Report("SMP-00001")
    report.add_page()
    report.set_font("Noto", "", 8)
    return report


@pytest.mark.parametrize("word", ["A" * 1600, "W" * 800, "बुखार" * 320, "x" * 5000])
def test_an_overlong_word_is_broken_quickly_and_completely(pdf, word):
    width = 110.0
    started = time.perf_counter()
    pdf.wrap(" ".join(word[i:i + 8] for i in range(0, len(word), 8)), width)  # the same text as ordinary words
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    lines = pdf.wrap(f"before {word} after", width)
    elapsed = time.perf_counter() - started
    # Measured against the same run (the machine is shared): about 1x here; before the fix 100x and growing.
    assert elapsed < max(5 * baseline, 0.5), f"wrapping took {elapsed:.2f} s against {baseline:.2f} s as words"
    assert "".join(lines).replace(" ", "") == f"before{word}after"
    assert all(pdf.get_string_width(line) <= width for line in lines)


def test_ordinary_text_wraps_at_spaces(pdf):
    lines = pdf.wrap("meri maa ko teen din se bukhar hai " * 10, 60)
    assert len(lines) > 1 and all(not line.startswith(" ") for line in lines)
