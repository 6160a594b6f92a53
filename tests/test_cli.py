"""The command line: staff accounts, tokens, registry import, cards."""

from crm.models import HealthCard, Patient, StaffUser
from crm.models.staff import ROLES
from crm.residents.cards import number as card_number
from tests.test_registry import GOOD, write


def test_staff_create_reads_the_password_from_stdin(app):
    result = app.test_cli_runner().invoke(args=["staff", "create", "asha", "--role", "doctor", "--specialty",
                                                "paediatrics", "--name", "Dr. Asha"], input="a long password\n")
    assert result.exit_code == 0, result.output
    staff = StaffUser.query.filter_by(username="asha").one()
    assert (staff.role, staff.specialty, staff.name) == ("doctor", "paediatrics", "Dr. Asha")
    assert "a long password" not in staff.password_hash and staff.password_hash.startswith("$argon2id$")


def test_staff_create_generates_a_password_when_none_is_given(app):
    result = app.test_cli_runner().invoke(args=["staff", "create", "ravi", "--role", "operator"], input="")
    assert result.exit_code == 0 and "Password: " in result.output


def test_staff_create_refuses_bad_input(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["staff", "create", "x", "--role", "janitor"], input="long enough pw\n").exit_code != 0
    short = runner.invoke(args=["staff", "create", "x", "--role", "operator"], input="short\n")
    assert short.exit_code != 0 and "at least 10" in short.output
    spec = runner.invoke(args=["staff", "create", "x", "--role", "operator", "--specialty", "cardiology"], input="long enough pw\n")
    assert "Only doctors" in spec.output


def test_staff_token_prints_a_working_token_last(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["staff", "create", "meena", "--role", "supervisor"], input="a long password\n")
    token = runner.invoke(args=["staff", "token", "meena"]).output.strip().splitlines()[-1]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["username"] == "meena"


def test_registry_import_prints_the_summary(app, tmp_path):
    path = write(tmp_path, *GOOD, "R4,,Bad Sex,,1970-01-01,,Q,,HH1,,,self", name="delhi.csv")
    result = app.test_cli_runner().invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "read 4, created 3, updated 0, unchanged 0, rejected 1" in result.output
    assert "delhi.rejects.csv" in result.output and Patient.query.count() == 3


def test_registry_import_wrong_header_is_an_error(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["registry", "import", str(write(tmp_path, header="a,b,c"))])
    assert result.exit_code != 0 and "missing the column" in result.output


def test_cards_issue_all_then_reissue(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["registry", "import", str(write(tmp_path, *GOOD))])
    assert "Issued 3 cards." in runner.invoke(args=["cards", "issue", "--all"]).output
    assert "Issued 0 cards." in runner.invoke(args=["cards", "issue", "--all"]).output
    number = HealthCard.query.first().number
    result = runner.invoke(args=["cards", "reissue", card_number.pretty(number), "--reason", "duplicate"])
    assert result.exit_code == 0 and "version 2, duplicate" in result.output
    again = runner.invoke(args=["cards", "reissue", number, "--reason", "duplicate"])
    assert again.exit_code != 0 and "superseded" in again.output


def test_demo_seed_creates_a_world_and_is_repeatable(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed", "--residents", "60"])
    assert first.exit_code == 0, first.output
    assert {s.role for s in StaffUser.query} == set(ROLES)  # a demo login for every role
    count = Patient.query.count()
    assert count >= 60 and HealthCard.query.count() == count
    assert any(p.name_hi for p in Patient.query) and any(p.allergies for p in Patient.query)
    runner.invoke(args=["demo", "seed", "--residents", "60"])
    assert Patient.query.count() == count and HealthCard.query.count() == count
