"""`flask demo seed` registers a demo hospital whose history shows on residents' panels; a rerun adds nothing."""

from sqlalchemy import func, select

from crm.models import HospitalClient, HospitalRecord
from crm.platform.extensions import db
from crm.residents import lookup


def test_the_demo_has_a_hospital_and_its_history(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed", "--residents", "300"])
    assert first.exit_code == 0, first.output
    assert "sent history for" in first.output
    records = db.session.scalar(select(func.count()).select_from(HospitalRecord))
    assert records > 0
    client = db.session.scalars(select(HospitalClient)).one()
    assert (app.instance_path + "/demo-hospital-key.pem") in first.output.replace("\n", "")
    patient_id = db.session.scalars(select(HospitalRecord.patient_id)).first()
    assert lookup.view_patient(patient_id)["hospital"]["entries"]
    again = runner.invoke(args=["demo", "seed", "--residents", "300"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count()).select_from(HospitalRecord)) == records
    assert db.session.scalars(select(HospitalClient)).one().id == client.id
