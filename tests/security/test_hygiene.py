"""No test touches the checkout's instance/: the guard itself must notice a write."""

from tests.conftest import UNREACHABLE_DATABASE_URL, instance_snapshot


def test_the_guard_sees_a_new_file_in_an_instance_folder(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    before = instance_snapshot(folder)
    (folder / "secret_key").write_text("x")
    assert instance_snapshot(folder) != before


def test_the_guard_sees_a_rewritten_file(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    (folder / "card-signing-key.pem").write_text("old")
    before = instance_snapshot(folder)
    (folder / "card-signing-key.pem").write_text("a new key")
    assert instance_snapshot(folder) != before


def test_an_app_started_by_a_subprocess_uses_the_instance_path_it_is_given(tmp_path, monkeypatch):
    from crm import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("SECRET_KEY", "x")
    app = create_app({"DATABASE_URL": UNREACHABLE_DATABASE_URL, "EMULATOR_MOUNT": False})
    assert app.instance_path == str(tmp_path / "elsewhere")
