"""The card office in Chromium: a registry upload runs as a job, the bar moves to done over the socket, survives
a reload, and the rejects download; then the cards are issued in bulk."""

from __future__ import annotations

import csv
import time

import pytest

from crm.residents.card_office import work as card_office
from crm.residents.registry import REQUIRED_COLUMNS
from tests.browser.floor_desk import log_in, make_staff
from tests.conftest import ARTIFACTS
from tests.live import served

pytestmark = pytest.mark.browser
ROWS, BAD_EVERY = 3000, 100
# Every progress value the page's bar takes, recorded by the page itself (set before any script of the page runs).
WATCH_BAR = """
window.__bar = [];
new MutationObserver((changes) => {
  for (const c of changes) if (c.target.tagName === 'PROGRESS') window.__bar.push([c.target.value, c.target.max]);
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['value', 'max'] });
const set = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, 'value').set;
Object.defineProperty(HTMLProgressElement.prototype, 'value', { set(v) { set.call(this, v); window.__bar.push([this.value, this.max]); },
  get() { return Number(this.getAttribute('value') || 0); } });
"""


@pytest.fixture
def office(tmp_path, monkeypatch):
    # A few thousand rows import in a blink on SQLite: each progress event waits a little so the bar is seen
    # moving as it would on a city's file (the import itself is unchanged).
    monkeypatch.setattr(card_office, "PROGRESS_ROWS", 150)
    monkeypatch.setattr(card_office, "PROGRESS_SECONDS", 0)
    reporter_progress = card_office.Reporter.import_progress

    def slowly(self, event):
        reporter_progress(self, event)
        time.sleep(0.2)

    monkeypatch.setattr(card_office.Reporter, "import_progress", slowly)
    with served(tmp_path, WTF_CSRF_ENABLED=True, JOBS_EAGER=False) as (app, base):
        yield app, base


def registry_file(tmp_path):
    path = tmp_path / "east-delhi.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(REQUIRED_COLUMNS)
        for n in range(ROWS):
            sex = "Q" if n % BAD_EVERY == 0 else "MF"[n % 2]
            out.writerow([f"ED{n:06d}", "", f"Resident {n}", "निवासी", "1980-01-01", "", sex, "",
                          f"HH{n // 4}", f"House {n // 4}, Laxmi Nagar", "Laxmi Nagar", "self" if n % 4 == 0 else "son"])
    return path


def bar(page, job_id: int) -> list[float]:
    return page.evaluate(f"(() => {{ const b = document.querySelector('[data-job=\"{job_id}\"] progress'); "
                         "return [b.value, b.max]; })()")


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_registry_upload_shows_progress_to_done_and_the_rejects_download(browser, office, tmp_path, size):
    app, base = office
    registrar, _ = make_staff(app, "registrar", "Sunil Yadav")
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-IN", accept_downloads=True)
    context.set_default_timeout(20_000)
    context.add_init_script(WATCH_BAR)
    page = context.new_page()
    complaints = []
    page.on("console", lambda m: complaints.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: complaints.append(str(exc)))
    log_in(page, base, registrar, "/card-office/")
    page.set_input_files("input[name=file]", str(registry_file(tmp_path)))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(lambda url: "job=" in url)
    job_id = int(page.url.split("job=")[1].split("#")[0])
    job = f'[data-job="{job_id}"]'
    page.wait_for_selector("#live[data-state=live]")
    page.wait_for_function(f"() => document.querySelector('{job} progress').value > 0")
    value, maximum = bar(page, job_id)
    assert maximum == ROWS and 0 < value < ROWS, (value, maximum)
    page.screenshot(path=str(ARTIFACTS / f"card_office_running_{size[0]}x{size[1]}.png"))

    page.reload()  # the page asks for the job's state: the bar comes back where the import is
    again, _ = bar(page, job_id)
    assert again >= value
    page.wait_for_selector(f"{job}[data-status=done]", timeout=60_000)
    seen = page.evaluate("window.__bar")
    moving = [v for v, m in seen if m == ROWS and 0 < v < ROWS]
    assert moving and moving == sorted(moving), seen  # it moved forward, through values short of done
    assert bar(page, job_id) == [ROWS, ROWS]
    rejected = ROWS // BAD_EVERY
    counts = page.inner_text(f"{job} .counts")
    assert f"{ROWS:,} / {ROWS:,} rows" in counts and f"{rejected} rejected" in counts
    assert f"Created {ROWS - rejected:,}" in page.inner_text(f"{job} .job-result")
    page.screenshot(path=str(ARTIFACTS / f"card_office_done_{size[0]}x{size[1]}.png"))

    with page.expect_download() as download:
        page.click(f"{job} a:has-text('Download the rejected rows')")
    path = download.value.path()
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert download.value.suggested_filename == "east-delhi.rejects.csv"
    assert len(rows) == rejected and all(r["reason"] == "sex 'Q' is not M, F or O" for r in rows)
    assert rows[0]["registry_id"] == "ED000000"

    page.click("#issue-form button")
    page.wait_for_url(lambda url: "job=" in url)
    issue = page.locator("[data-job][data-kind=card_issue]").first
    issue.locator("[data-field=result]:has-text('Issued')").wait_for(timeout=60_000)
    assert f"Issued {ROWS - rejected:,} cards." in issue.inner_text()
    page.reload()
    assert page.inner_text("#missing-cards") == "0"
    page.screenshot(path=str(ARTIFACTS / f"card_office_issued_{size[0]}x{size[1]}.png"), full_page=True)
    assert complaints == []  # no script error, nothing refused by the Content-Security-Policy
    context.close()


def test_a_wrong_file_is_refused_on_the_page(browser, office, tmp_path):
    app, base = office
    registrar, _ = make_staff(app, "registrar", "Sunil Yadav")
    wrong = tmp_path / "people.csv"
    wrong.write_text("id,full name,gender\n1,Asha,F\n", encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-IN")
    page = context.new_page()
    log_in(page, base, registrar, "/card-office/")
    page.set_input_files("input[name=file]", str(wrong))
    page.click("#upload-form button[type=submit]")
    message = page.inner_text("#office-error")
    assert "people.csv is missing the column(s) registry_id" in message
    page.screenshot(path=str(ARTIFACTS / "card_office_wrong_file_1280x720.png"))
    context.close()
