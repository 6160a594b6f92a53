"""Production does not start without Twilio's fallback URLs on the helpline number (or says loudly which are missing)."""

import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

from telephony import fallback_check

ROOT = Path(__file__).resolve().parents[2]
VOICE, SMS = "http://sampark.test/telephony/voice/fallback", "http://sampark.test/telephony/sms/fallback"


def test_each_missing_or_wrong_fallback_url_is_named(app):
    with app.test_request_context():
        bare = SimpleNamespace(voice_fallback_url=None, sms_fallback_url="")
        assert [p.split(" ")[0] for p in fallback_check.problems(bare)] == ["voice_fallback_url", "sms_fallback_url"]
        elsewhere = SimpleNamespace(voice_fallback_url=VOICE, voice_fallback_method="GET",
                                    sms_fallback_url="https://old.example/sms", sms_fallback_method="POST")
        found = fallback_check.problems(elsewhere)
        assert len(found) == 2 and all("set it to" in p for p in found)
        assert SMS in found[1]
        ready = SimpleNamespace(voice_fallback_url=VOICE, voice_fallback_method="POST", sms_fallback_url=SMS,
                                sms_fallback_method="POST")
        assert fallback_check.problems(ready) == []


def _up(tmp_path, check_passes: bool, **env) -> subprocess.CompletedProcess:
    """deploy/up with stand-ins for flask (the check's answer) and supervisord (proof that it started)."""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "flask").write_text(f"""#!/bin/sh
case "$*" in *fallback-check*) echo "FALLBACK URL MISSING: voice_fallback_url is not set" >&2; exit {0 if check_passes else 1};;
esac
exit 0
""")
    (bin_dir / "supervisord").write_text(f"#!/bin/sh\ntouch {tmp_path}/started\n")
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    return subprocess.run([str(ROOT / "deploy" / "up")], check=False, capture_output=True, text=True, timeout=60, env={
        **os.environ, "SAMPARK_VENV": str(tmp_path / "venv"), "SAMPARK_RUN": str(tmp_path / "run"),
        "DATABASE_URL": "postgresql://x", "REDIS_URL": "redis://x", "TELEPHONY": "twilio", **env})


def test_deploy_up_refuses_to_start_without_the_fallback_urls(tmp_path):
    done = _up(tmp_path, check_passes=False)
    assert done.returncode == 1 and not (tmp_path / "started").exists()
    assert "voice_fallback_url" in done.stderr and "refusing to start" in done.stderr


def test_deploy_up_starts_when_they_are_set_or_when_told_to_start_anyway(tmp_path):
    assert _up(tmp_path, check_passes=True).returncode == 0 and (tmp_path / "started").exists()
    (tmp_path / "started").unlink()
    import shutil

    shutil.rmtree(tmp_path / "venv")
    anyway = _up(tmp_path, check_passes=False, SAMPARK_START_WITHOUT_FALLBACK="1")
    assert anyway.returncode == 0 and (tmp_path / "started").exists() and "WITHOUT" in anyway.stderr
