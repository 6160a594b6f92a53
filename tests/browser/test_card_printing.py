"""The card office in Chromium: while cards are issued the count falls and the button waits, without a reload;
then the issued cards go to print as a batch whose sheets and vendor CSV download."""

from __future__ import annotations

import csv
import time

import pytest

from crm.platform.extensions import db
from crm.residents import registry
from crm.residents.card_office import printing
from crm.residents.card_office import work as card_office
from crm.residents.cards import operations as cards
from crm.seed import demo
from tests.browser.floor_desk import log_in, make_staff
from tests.conftest import ARTIFACTS
from tests.live import served

pytestmark = pytest.mark.browser
RESIDENTS = 120


@pytest.fixture
def office(tmp_path, monkeypatch):
    """A served app (jobs in a thread) with RESIDENTS residents of the demo's registry and no card yet."""
    monkeypatch.setattr(card_office, "PROGRESS_SECONDS", 0)
    with served(tmp_path, WTF_CSRF_ENABLED=True, JOBS_EAGER=False) as (app, base):
        path = tmp_path / "registry.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=registry.REQUIRED_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(demo.registry_rows(RESIDENTS, demo.stream(1, "registry")))
        with app.app_context():
            registry.import_file(path, tmp_path / "rejects.csv")
            db.session.commit()
        yield app, base


def test_the_count_and_the_button_follow_a_bulk_issue(browser, office, monkeypatch):
    app, base = office
    issue = cards.issue_missing

    def slowly(staff=None, batch=500, progress=None, job_id=None):
        # Batches of ten, each a moment apart, so the page is seen part way (the issue itself is unchanged).
        def step(count):
            progress(count)
            time.sleep(0.25)
        return issue(staff, batch=10, progress=step, job_id=job_id)

    monkeypatch.setattr(cards, "issue_missing", slowly)
    registrar, _ = make_staff(app, "registrar", "Sunil Yadav")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-IN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    complaints = []
    page.on("console", lambda m: complaints.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: complaints.append(str(exc)))
    log_in(page, base, registrar, "/card-office/")
    total = int(page.inner_text("#missing-cards").replace(",", ""))
    assert total >= RESIDENTS
    page.click("#issue-form button")
    page.wait_for_url(lambda url: "job=" in url)
    # Part way: fewer residents without a card than at the start, more than none, and the button waits.
    page.wait_for_function(f"() => {{ const n = +document.getElementById('missing-cards').textContent.replace(/,/g, '');"
                           f" return n > 0 && n < {total}; }}")
    button = page.locator("#issue-button")
    assert button.is_disabled() and button.inner_text().startswith("Issuing…")
    page.screenshot(path=str(ARTIFACTS / "card_office_issuing_1440x900.png"))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=str(ARTIFACTS / "card_office_issuing_1280x720.png"))
    # Done, without a reload: none left, the button back to its words (and off: there is nobody to issue to).
    page.wait_for_function("() => document.getElementById('missing-cards').textContent === '0'")
    page.wait_for_function("() => document.getElementById('issue-button').textContent === 'Issue their cards'")
    assert button.is_disabled()
    assert page.inner_text("#to-print") == f"{total:,}"
    page.screenshot(path=str(ARTIFACTS / "card_office_issued_live_1280x720.png"), full_page=True)
    assert complaints == []
    context.close()


def test_the_issued_cards_go_to_print_and_their_files_download(browser, office, monkeypatch):
    app, base = office
    monkeypatch.setattr(printing, "PDF_PART", 8)  # one sheet a download: the layout is the service tests' matter
    with app.app_context():
        cards.issue_missing()
    registrar, _ = make_staff(app, "registrar", "Sunil Yadav")
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-IN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, base, registrar, "/card-office/")
    page.click("#print-link")
    waiting = int(page.inner_text("#print-waiting").replace(",", ""))
    page.click("#print-button")
    page.wait_for_url(lambda url: "batch=" in url)
    row = page.locator("#print-batches tbody tr").first
    assert "PB-00001" in row.inner_text() and "Sunil Yadav" in row.inner_text()
    assert page.inner_text("#print-waiting") == "0" and waiting >= RESIDENTS
    page.screenshot(path=str(ARTIFACTS / "card_print_batch_1280x720.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "card_print_batch_1440x900.png"), full_page=True)
    with page.expect_download() as download:
        row.locator("a:has-text('Vendor CSV')").click()
    assert download.value.suggested_filename == "PB-00001.csv"
    with open(download.value.path(), encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == waiting
    with page.expect_download() as download:
        row.locator("a:has-text('Sheets 1/')").click()
    assert download.value.suggested_filename == "PB-00001-part-1.pdf"
    with open(download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    context.close()
