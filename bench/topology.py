"""Start, inspect and stop the one-machine production topology (deploy/up) from Python.

For the integration test, the burst load generator and later failure drills (kill a process, stop
Redis): `Topology(...).start()` runs deploy/up in its own process group, `.pid(name)` / `.kill(name)`
reach single programs through supervisorctl, `.stop()` ends everything.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_ports(count: int) -> int:
    """The first of `count` consecutive loopback ports that are free right now."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count < 65000 and all(_free(first + i) for i in range(count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def answers(url: str) -> bool:
    """Whether `url` answers HTTP at all (any status)."""
    import requests

    try:
        requests.get(url, timeout=2)
    except requests.RequestException:
        return False
    return True


class Topology:
    """deploy/up with the emulator standing in for Twilio, on free loopback ports."""

    def __init__(self, run_dir: Path, database_url: str, redis_url: str, web: int = 2, workers: int = 2,
                 **env: str) -> None:
        self.run_dir = Path(run_dir)
        first = free_ports(web + 1)
        self.web_ports = [first + i for i in range(web)]
        self.emulator_port = first + web
        self.env = {
            **os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "TELEPHONY": "emulator",
            "SAMPARK_ENV": "development", "SAMPARK_RUN": str(self.run_dir), "WEB_INSTANCES": str(web),
            "WEB_FIRST_PORT": str(first), "EMULATOR_PORT": str(self.emulator_port), "RQ_WORKERS": str(workers),
            "SECRET_KEY": "topology-secret", "CARD_SIGNING_KEY_FILE": str(self.run_dir / "card-keys.pem"),
            **env,
        }
        self.env.pop("FLASK_APP", None)
        self.process: subprocess.Popen | None = None

    @property
    def web_urls(self) -> list[str]:
        """Base URL of each web instance."""
        return [f"http://127.0.0.1:{port}" for port in self.web_ports]

    @property
    def emulator_url(self) -> str:
        """Base URL of the emulator (Phone(...) takes it as is)."""
        return f"http://127.0.0.1:{self.emulator_port}"

    def start(self, timeout: float = 90) -> Topology:
        """Run deploy/up and wait until every web instance and the emulator answer."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log = (self.run_dir / "up.log").open("w")
        self.process = subprocess.Popen([str(ROOT / "deploy" / "up")], cwd=ROOT, env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()  # what did start (supervisord, some programs) must not outlive a failed start
            raise
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        """Block until every web instance and the emulator answer HTTP."""
        deadline = time.monotonic() + timeout
        urls = [u + "/login" for u in self.web_urls] + [self.emulator_url + "/emulator-api/calls"]
        while not all(answers(url) for url in urls):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the topology did not come up; see {self.run_dir}/up.log:\n"
                                   + (self.run_dir / "up.log").read_text()[-3000:])
            time.sleep(0.5)

    def ctl(self, *args: str) -> str:
        """supervisorctl against this topology; returns its output."""
        result = subprocess.run([str(ROOT / "deploy" / "up"), "ctl", *args], check=False, cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=60)
        return result.stdout

    def pid(self, name: str) -> int:
        """The process id of program `name` (e.g. 'web:web-8001', 'sweep'); 0 if it is not running."""
        text = self.ctl("pid", name).strip()
        return int(text) if text.isdigit() else 0

    def kill(self, name: str) -> int:
        """SIGKILL program `name` and its children (supervisor gives each its own process group), the way
        a crash of the whole instance would; returns the pid it had."""
        pid = self.pid(name)
        os.killpg(os.getpgid(pid), signal.SIGKILL)
        return pid

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM supervisord (it stops every program) and wait for it; past `timeout`, SIGKILL it and every program."""
        if self.process and self.process.poll() is None:
            try:
                programs = [int(pid) for pid in self.ctl("pid", "all").split() if pid.isdigit() and int(pid) > 0]
            except subprocess.TimeoutExpired:
                programs = []
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                # Supervisor gives each program its own process group: killing deploy/up's group alone left the web
                # instances, workers and sweep running on (seen on a loaded machine), taking the next run's jobs.
                for pid in programs:
                    try:
                        os.killpg(os.getpgid(pid), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
