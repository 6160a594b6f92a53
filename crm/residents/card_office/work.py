"""The card office's long work in the browser: a registry import and a bulk card issue, each a job.

The registrar's upload is checked (type, size, header) and stored, then a job (crm.platform.jobs: rq in
production, a thread in the demo) imports it with `crm.residents.registry.import_file`, the same service the
command line uses. Progress is written to the job's row through a connection of its own (the import's
transaction may be open for minutes) and sent over Socket.IO to the registrar's own room; a page that
reloads reads the row. On several machines REGISTRY_UPLOAD_DIR must be storage the workers share.
"""

from __future__ import annotations

import codecs
import csv
import logging
import time
import uuid
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from crm.models import HealthCard, OfficeJob, Patient, StaffUser
from crm.models.base import iso, utcnow
from crm.platform import audit, jobs, unit_of_work
from crm.platform.errors import Refused
from crm.platform.extensions import db, socketio
from crm.residents.registry.rows import REQUIRED_COLUMNS

log = logging.getLogger(__name__)
IMPORT_JOB = "crm.residents.card_office.work.run_import"
ISSUE_JOB = "crm.residents.card_office.work.run_card_issue"
EVENT = "office.progress"
PROGRESS_ROWS = 500  # rows between progress events while reading (the writes are throttled by time too)
PROGRESS_SECONDS = 0.25
RECENT = 20
STALLED_AFTER = timedelta(minutes=2)  # no progress written, and no worker holds the job: it stopped
JOB_TIMEOUT = 3 * 3600  # a city's file on a busy database: hours, not rq's default 3 minutes
HEADER_BYTES = 64 * 1024
CHUNK = 1024 * 1024


def upload_dir() -> Path:
    """Where uploads and their rejects files live (REGISTRY_UPLOAD_DIR, default instance/registry-uploads)."""
    folder = Path(current_app.config.get("REGISTRY_UPLOAD_DIR") or Path(current_app.instance_path) / "registry-uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_limit() -> int:
    """The largest registry file accepted, in bytes (REGISTRY_UPLOAD_MAX_MB)."""
    return int(current_app.config["REGISTRY_UPLOAD_MAX_MB"]) * 1024 * 1024


def start_import(actor: StaffUser, upload: FileStorage | None) -> OfficeJob:
    """Check and store an uploaded registry CSV, and queue its import after the commit (flushed, audited)."""
    if upload is None or not upload.filename:
        raise Refused("bad_file", "Choose the registry CSV file to upload.", 422)
    name = Path(upload.filename).name[:200]
    if not name.lower().endswith(".csv"):
        raise Refused("bad_file", f"{name} is not a .csv file: export the registry as CSV (comma-separated, UTF-8).", 422)
    stored = f"{uuid.uuid4().hex}.csv"
    path = upload_dir() / stored
    try:
        _save_bounded(upload, path)
        _check_header(path, name)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    job = OfficeJob(kind="registry_import", started_by_id=actor.id, file_name=name, stored_name=stored)
    db.session.add(job)
    db.session.flush()
    audit.record("registry_upload", staff_id=actor.id, job_id=job.id, file=name, bytes=path.stat().st_size)
    _queue_after_commit(IMPORT_JOB, job.id)
    return job


def start_card_issue(actor: StaffUser) -> OfficeJob:
    """Queue a card for every resident without a live card (one such job at a time; flushed, audited)."""
    unfinished = db.session.scalars(select(OfficeJob).where(
        OfficeJob.kind == "card_issue", OfficeJob.status.in_(("queued", "running"))).limit(10)).all()
    if any(not stalled(job) for job in unfinished):
        raise Refused("busy", "Cards are already being issued; wait for that run to finish.", 409)
    if not missing_cards():
        raise Refused("nothing_to_do", "Every resident already holds a live card.", 409)
    job = OfficeJob(kind="card_issue", started_by_id=actor.id)
    db.session.add(job)
    db.session.flush()
    audit.record("card_issue_bulk", staff_id=actor.id, job_id=job.id)
    _queue_after_commit(ISSUE_JOB, job.id)
    return job


def missing_cards() -> int:
    """How many residents hold no live card."""
    from crm.residents.cards.operations import LIVE

    live = select(HealthCard.patient_id).where(HealthCard.status.in_(LIVE))
    return db.session.scalar(select(db.func.count()).select_from(Patient).where(
        Patient.id.not_in(live), Patient.merged_into_id.is_(None))) or 0


def recent(limit: int = RECENT) -> list[OfficeJob]:
    """The latest imports and bulk issues, newest first."""
    return list(db.session.scalars(select(OfficeJob).order_by(OfficeJob.id.desc()).limit(min(limit, 100))))


def stalled(job: OfficeJob) -> bool:
    """An unfinished job nobody runs any more (its worker or web process was restarted mid-way)."""
    if job.status not in ("queued", "running"):
        return False
    last = job.updated_at or job.created_at
    if last is None or utcnow() - last < STALLED_AFTER:
        return False
    try:
        return not jobs.is_waiting(f"office-{job.id}")
    except Exception:  # the job store cannot be asked (Redis away): do not call it stopped
        log.warning("could not ask whether job office-%s is still held", job.id, exc_info=True)
        return False


def state(job: OfficeJob) -> dict:
    """What the page shows of a job: no patient data, only counts; a stalled job is shown as failed."""
    shown = {"id": job.id, "kind": job.kind, "status": job.status, "stage": job.stage, "done": job.done,
             "total": job.total, "rejected": job.rejected, "result": job.result or {}, "error": job.error,
             "file_name": job.file_name, "created_at": iso(job.created_at), "finished_at": iso(job.finished_at),
             "rejects": job.kind == "registry_import" and job.status == "done" and job.rejected > 0}
    if stalled(job):
        again = "upload the file again (it changes only what changed)" if job.kind == "registry_import" else \
            "start it again (cards issued so far are kept)"
        shown |= {"status": "failed", "stage": "stopped",
                  "error": f"This stopped without finishing (the server was restarted?): {again}."}
    return shown


def rejects_file(job: OfficeJob, actor: StaffUser) -> Path:
    """The rejects CSV of a finished import (it holds residents' details: the download is audited)."""
    if job.kind != "registry_import" or job.status != "done" or not job.stored_name:
        raise Refused("not_ready", "The rejects file is ready when the import is done.", 409)
    path = _rejects_path(job)
    if not path.exists():
        raise Refused("not_found", "The rejects file of this import is no longer kept.", 404)
    audit.record("registry_rejects_download", staff_id=actor.id, job_id=job.id, rows=job.rejected)
    return path


def run_import(job_id: int) -> None:
    """The job: import the stored upload, reporting progress; a bad file ends as 'failed' with its reason."""
    from crm.residents import registry
    from crm.residents.duplicates import finding

    job = db.session.get(OfficeJob, job_id)
    if job is None or job.status == "done":
        return
    path, rejects = upload_dir() / job.stored_name, _rejects_path(job)
    reporter = Reporter(job)
    db.session.commit()  # nothing of this unit stays open while the import runs
    reporter.save(status="running", stage="counting", started_at=utcnow(), error=None, force=True)
    try:
        total = _count_rows(path)
        reporter.save(stage="reading", total=total, force=True)
        since = finding.import_started()
        summary = registry.import_file(path, rejects, progress=reporter.import_progress, every=PROGRESS_ROWS)
        db.session.commit()
    except registry.RegistryFileError as exc:
        unit_of_work.rollback()
        path.unlink(missing_ok=True)
        reporter.save(status="failed", stage="failed", error=str(exc)[:500], finished_at=utcnow(), force=True)
        return
    except Exception as exc:  # the registrar must see that it stopped; rq retries it (the import is idempotent)
        unit_of_work.rollback()
        reporter.save(status="failed", stage="failed", finished_at=utcnow(), force=True,
                      error=f"The import stopped ({type(exc).__name__}); it is tried again, or upload the file again.")
        raise
    result = {"read": summary.read, "created": summary.created, "updated": summary.updated,
              "unchanged": summary.unchanged, "rejected": summary.rejected,
              "households_created": summary.households_created, "reasons": summary.reasons}
    audit.record("registry_import", staff_id=job.started_by_id, job_id=job.id, file=job.file_name,
                 **{k: v for k, v in result.items() if k != "reasons"})
    db.session.commit()
    path.unlink(missing_ok=True)  # the whole registry need not lie on disk once it is in the database
    reporter.save(status="done", stage="done", done=summary.read, total=max(reporter.total, summary.read),
                  rejected=summary.rejected, result=result, finished_at=utcnow(), force=True)
    # The job's last step: the likely duplicates among what it wrote, queued for review (the residents are in and
    # usable already; the count joins the job's result when it is known).
    duplicates = finding.after_import(since, job.id)
    db.session.commit()
    reporter.save(result=result | {"duplicates": duplicates}, force=True)


def run_card_issue(job_id: int) -> None:
    """The job: issue a card to every resident without one, in committed batches, reporting progress."""
    from crm.residents.cards import operations as cards

    job = db.session.get(OfficeJob, job_id)
    if job is None or job.status == "done":
        return
    staff = db.session.get(StaffUser, job.started_by_id)
    reporter = Reporter(job)
    total = missing_cards()
    db.session.commit()
    reporter.save(status="running", stage="issuing", total=total, started_at=utcnow(), error=None, force=True)
    issued = 0

    def advance(count: int) -> None:
        nonlocal issued
        issued += count
        reporter.save(done=issued, total=max(total, issued))

    try:
        cards.issue_missing(staff, batch=200, progress=advance, job_id=job.id)
    except Exception:
        unit_of_work.rollback()
        reporter.save(status="failed", stage="failed", finished_at=utcnow(), force=True,
                      error=f"Issuing stopped after {issued} cards; the cards issued so far are kept. Start it again.")
        raise
    reporter.save(status="done", stage="done", done=issued, total=max(total, issued), result={"issued": issued},
                  finished_at=utcnow(), force=True)


class Reporter:
    """Writes a job's progress to its row on a connection of its own, and tells the starter's page."""

    def __init__(self, job: OfficeJob) -> None:
        self.job_id, self.staff_id, self.kind = job.id, job.started_by_id, job.kind
        self.fields = state(job)
        self.total = job.total
        self.last = 0.0
        self.pending: dict = {}

    def import_progress(self, event) -> None:
        """A crm.residents.registry progress event: rows read and rejected so far, and the stage."""
        stage = {"reading": "reading"}.get(event.stage, "saving")
        if event.stage == "done":
            return  # the job saves the final state once the import is committed
        self.save(stage=stage, done=min(event.rows_read, self.total) if self.total else event.rows_read,
                  rejected=event.rejected, force=stage != self.fields.get("stage"))

    def save(self, force: bool = False, **values) -> None:
        """Store `values` on the job row (at most every PROGRESS_SECONDS unless forced) and emit the state."""
        self.fields.update({k: iso(v) if hasattr(v, "isoformat") else v for k, v in values.items()})
        self.total = self.fields.get("total") or self.total
        self.pending.update(values)
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        self.pending["updated_at"] = utcnow()
        with db.engine.begin() as connection:
            connection.execute(update(OfficeJob).where(OfficeJob.id == self.job_id).values(**self.pending))
        self.pending = {}
        self.fields["rejects"] = (self.kind == "registry_import" and self.fields.get("status") == "done"
                                  and (self.fields.get("rejected") or 0) > 0)
        try:
            socketio.emit(EVENT, dict(self.fields), to=f"staff:{self.staff_id}")
        except Exception:  # a lost event is repaired by the page reading the row when it reconnects
            log.exception("could not send %s for job %s", EVENT, self.job_id)


def _queue_after_commit(path: str, job_id: int) -> None:
    unit_of_work.after_commit(db.session(), lambda: jobs.enqueue(path, job_id, job_id=f"office-{job_id}",
                                                            timeout=JOB_TIMEOUT))


def _rejects_path(job: OfficeJob) -> Path:
    return upload_dir() / (Path(job.stored_name).stem + ".rejects.csv")


def _save_bounded(upload: FileStorage, path: Path) -> None:
    limit, written = upload_limit(), 0
    with path.open("wb") as out:
        while chunk := upload.stream.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise Refused("too_large", f"The file is larger than {limit // (1024 * 1024)} MB, the most this "
                              "page takes; split it, or import it on the server with `flask registry import`.", 413)
            out.write(chunk)
    if written == 0:
        raise Refused("bad_file", "The file is empty.", 422)


def _check_header(path: Path, name: str) -> None:
    with path.open("rb") as handle:
        head = handle.read(HEADER_BYTES)
    if b"\x00" in head:
        raise Refused("bad_file", f"{name} is not a text CSV file (it looks like a spreadsheet or another binary "
                      "file): save it as CSV UTF-8.", 422)
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise Refused("bad_file", f"{name} is not UTF-8 text: save it as CSV UTF-8.", 422) from exc
    first = next(csv.reader(text.splitlines()[:1]), [])
    header = [h.strip().lower() for h in first]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise Refused("bad_header", f"{name} is missing the column(s) {', '.join(missing)}. The first line must "
                      f"name the columns: {','.join(REQUIRED_COLUMNS)}.", 422)


def _count_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        return sum(1 for values in reader if "".join(values).strip())
