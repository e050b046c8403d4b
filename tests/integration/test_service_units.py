"""The systemd units of deploy/systemd/ as scripts/install-service installs them: `systemd-analyze`
accepts them, the install can be run twice and keeps the secrets file root-only, and each unit's own
command line, with the unit's environment and env file, really starts its part of the assistant and
stops on SIGTERM within the unit's TimeoutStopSec.

This machine has no running systemd (PID 1 is not systemd), so nothing here is started *by* systemd:
the test reads ExecStart=, Environment=, EnvironmentFile=, WorkingDirectory= and TimeoutStopSec= from
the installed unit files and does what systemd would, as the current user instead of `pumping`.
The sandboxing lines (ProtectSystem= and the rest) are checked by `systemd-analyze security`, offline.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from harness import ROOT
from harness.server import free_port, model_path, wait_until_up
from tests.integration.test_run_survives_deaths import descendants, say

INSTALL = ROOT / "scripts" / "install-service"
UNITS = ["pumping-coach-actions.service", "pumping-coach.service", "pumping-coach-review.service",
         "pumping-coach-alerts.service"]
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
# What systemd gives a service before Environment= and EnvironmentFile= (systemd.exec, "Environment
# variables in spawned processes"): nothing of this test's own environment (PYTHONPATH, a venv) leaks in.
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# systemd counts these as a clean stop of the main process (SuccessExitStatus= default, systemd.service).
CLEAN_STOP = (0, -signal.SIGTERM, -signal.SIGINT, -signal.SIGHUP, -signal.SIGPIPE)
# Loading the model on a busy 2-core machine.
RASA_START_S = 240


def install(root: Path) -> subprocess.CompletedProcess:
    # --no-build: the checkout's .venv and model are made by `make test` already; the build step is
    # `make install train`, whose own targets skip what is up to date.
    return subprocess.run([str(INSTALL), "--root", str(root), "--no-build"], capture_output=True, text=True,
                          timeout=120)


def parse_unit(path: Path) -> Dict[str, Dict[str, List[str]]]:
    """Sections of a unit file, each key with all its values in order (keys may repeat)."""
    sections: Dict[str, Dict[str, List[str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def parse_env_file(path: Path) -> Dict[str, str]:
    """EnvironmentFile= as systemd reads it: KEY=VALUE lines, # and ; comments, optional quotes."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)\s*(s|sec|min)?", value)
    assert match, f"TimeoutStopSec={value} is not in a form this test reads"
    return float(match.group(1)) * (60 if match.group(2) == "min" else 1)


# What a real install writes on this machine: a staged one (--root) must leave it as it was.
REAL_PATHS = [Path("/etc/pumping-coach/env"), *(Path("/etc/systemd/system") / name for name in UNITS)]


def snapshot(paths: List[Path]) -> List[Tuple[bool, float]]:
    return [(path.exists(), path.stat().st_mtime if path.exists() else 0.0) for path in paths]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Tuple[Path, List[subprocess.CompletedProcess]]:
    root = tmp_path_factory.mktemp("service-root")
    before = snapshot(REAL_PATHS)
    runs = [install(root), install(root)]
    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
    assert snapshot(REAL_PATHS) == before, "a staged install changed this machine's /etc"
    return root, runs


def unit_path(root: Path, name: str) -> Path:
    return root / "etc" / "systemd" / "system" / name


def test_install_twice_keeps_the_env_file_root_only_and_the_units_in_place(installed, tmp_path):
    root, (first, second) = installed
    env_file = root / "etc" / "pumping-coach" / "env"
    mode = env_file.stat()
    assert stat.S_IMODE(mode.st_mode) == 0o600 and mode.st_uid == 0
    secret = parse_env_file(env_file)["STAFF_API_SECRET"]
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    assert "Wrote" in first.stdout and "Kept the existing" in second.stdout
    assert unit_path(root, "pumping-coach.target").exists()
    for name in UNITS:
        text = unit_path(root, name).read_text()
        assert "/opt/pumping-coach" not in text and str(ROOT) in text, name
    # A third run over a copy someone loosened and edited: the clinic's edit stays, the mode is mended.
    env_file.chmod(0o644)
    with env_file.open("a") as out:
        out.write("ALERT_POLL_SECONDS=7\n")
    before = {name: unit_path(root, name).read_bytes() for name in UNITS}
    third = install(root)
    assert third.returncode == 0, third.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    kept = parse_env_file(env_file)
    assert kept["STAFF_API_SECRET"] == secret and kept["ALERT_POLL_SECONDS"] == "7"
    assert {name: unit_path(root, name).read_bytes() for name in UNITS} == before
    assert "Done (staged)" in third.stdout


def test_the_env_example_names_every_setting_the_start_script_and_units_read():
    example = (ROOT / "deploy" / "pumping-coach.env.example").read_text()
    script = (ROOT / "scripts" / "serve-component").read_text()
    for name in sorted(set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)(?::-[^}]*)?\}", script))
                       - {"PWD", "TMPDIR", "TF_CPP_MIN_LOG_LEVEL", "PYTHONWARNINGS"}):
        assert re.search(rf"^#?{name}=", example, re.M), f"{name} is read by serve-component but not in the example"


def test_systemd_analyze_verify_accepts_the_installed_units(installed):
    root, _ = installed
    files = [str(unit_path(root, name)) for name in [*UNITS, "pumping-coach.target"]]
    # No --root: verify loads the units from the directory of the files given (so Wants=/After= between
    # them resolve), systemd's own targets from this machine, and checks that ExecStart='s program
    # exists and is executable on this machine, which is why the install fills in the real checkout.
    # It needs no running systemd. Any line it prints is a finding (unknown key, bad value), so the
    # output must be empty, not only the exit code 0.
    result = subprocess.run([SYSTEMD_ANALYZE, "verify", *files], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_systemd_analyze_verify_would_catch_a_broken_unit(installed, tmp_path):
    # The check above is only worth something if verify complains here: a typo and a missing program.
    root, _ = installed
    broken = tmp_path / "pumping-coach-broken.service"
    text = unit_path(root, "pumping-coach-actions.service").read_text()
    broken.write_text(text.replace("ProtectHome=yes", "ProtectHom=yes")
                      .replace("scripts/serve-component", "scripts/no-such-script"))
    result = subprocess.run([SYSTEMD_ANALYZE, "verify", str(broken)], capture_output=True, text=True, timeout=60)
    assert "Unknown key 'ProtectHom'" in result.stderr and "no-such-script" in result.stderr


@pytest.mark.parametrize("name", UNITS)
def test_each_unit_is_sandboxed_restarts_and_runs_the_installed_code(installed, name):
    root, _ = installed
    service = parse_unit(unit_path(root, name))["Service"]
    one = {key: values[-1] for key, values in service.items()}
    assert one["User"] == "pumping" and one["WorkingDirectory"] == str(ROOT)
    assert one["EnvironmentFile"] == "/etc/pumping-coach/env"
    assert one["Restart"] == "on-failure" and seconds(one["RestartSec"]) > 0
    assert one["ProtectSystem"] == "strict" and one["ReadWritePaths"] == str(ROOT / "var")
    for key in ("ProtectHome", "PrivateTmp", "NoNewPrivileges", "ProtectKernelTunables", "PrivateDevices"):
        assert one[key] == "yes", key
    assert one["CapabilityBoundingSet"] == ""
    command = shlex.split(one["ExecStart"])
    assert command[0] == str(ROOT / "scripts" / "serve-component")
    assert not re.search(r"\b(pip|train|make|install)\b", one["ExecStart"])
    # `systemd-analyze security` scores the sandbox from 0 (tight) to 10; "OK" is below 4.5 (its own
    # scale). These units are at 1.5: what is open is the network (the assistant serves it) and W^X.
    result = subprocess.run([SYSTEMD_ANALYZE, "security", "--offline=yes", str(unit_path(root, name))],
                            capture_output=True, text=True, timeout=60)
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
    assert exposure, result.stdout + result.stderr
    assert float(exposure.group(1)) <= 2.0, result.stdout


def test_the_start_script_refuses_to_build_what_is_missing(tmp_path):
    # A checkout with no trained model and one with no .venv: the unit's command says what to run and
    # exits 78 (RestartPreventExitStatus=), and trains or installs nothing.
    app = tmp_path / "app"
    (app / "scripts").mkdir(parents=True)
    for script in ("serve-component", "model-path"):
        shutil.copy2(ROOT / "scripts" / script, app / "scripts" / script)
    for name in ("config.yml", "domain.yml", "data", "endpoints.yml"):
        (app / name).symlink_to(ROOT / name)
    (app / ".venv").symlink_to(ROOT / ".venv")
    env = {"PATH": SYSTEMD_PATH, "HOME": str(tmp_path)}
    no_model = subprocess.run([str(app / "scripts" / "serve-component"), "rasa"], cwd=app, env=env,
                              capture_output=True, text=True, timeout=60)
    assert no_model.returncode == 78 and "no trained model" in no_model.stderr and "install-service" in no_model.stderr
    assert not (app / "models").exists()
    (app / ".venv").unlink()
    no_venv = subprocess.run([str(app / "scripts" / "serve-component"), "actions"], cwd=app, env=env,
                             capture_output=True, text=True, timeout=60)
    assert no_venv.returncode == 78 and "no working .venv" in no_venv.stderr
    assert not (app / ".venv").exists()


class Unit:
    """One unit's command, started as systemd would start it (as this user)."""

    def __init__(self, root: Path, name: str, home: Path, log_dir: Path) -> None:
        service = parse_unit(unit_path(root, name))["Service"]
        self.name = name
        self.command = shlex.split(service["ExecStart"][-1])
        self.cwd = service["WorkingDirectory"][-1]
        self.stop_timeout = seconds(service["TimeoutStopSec"][-1])
        env = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8", "USER": "pumping", "LOGNAME": "pumping"}
        for assignment in service.get("Environment", []):
            for word in shlex.split(assignment):
                key, _, value = word.partition("=")
                env[key] = value
        env_file = service["EnvironmentFile"][-1]
        env.update(parse_env_file(root / env_file.lstrip("-/")))
        # The unit's HOME is the checkout's var/, shared with whoever else works in it: not for a test.
        env["HOME"] = str(home)
        self.env = env
        self.log = log_dir / f"{name}.log"
        self.proc: subprocess.Popen = None

    def start(self) -> "Unit":
        self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=self.log.open("w"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def stop(self) -> Tuple[int, float, List[int]]:
        """SIGTERM to the main process, as systemd's stop (KillMode=mixed or a single process)."""
        family = [self.proc.pid, *descendants(self.proc.pid)]
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # what systemd does after TimeoutStopSec
            self.proc.wait()
            raise AssertionError(f"{self.name} did not stop within TimeoutStopSec={self.stop_timeout:.0f} s:\n"
                                 + self.log.read_text(errors="replace")[-3000:]) from None
        took = time.monotonic() - started
        time.sleep(0.5)
        left = [pid for pid in family if Path(f"/proc/{pid}").exists()
                and "zombie" not in Path(f"/proc/{pid}/status").read_text(errors="replace").lower()]
        return code, took, left

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def get(url: str) -> Tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_each_unit_command_starts_its_part_and_stops_cleanly_on_sigterm(installed, tmp_path):
    assert model_path().exists(), "no trained model: make test trains it first"
    root, _ = installed
    # A staged install of its own, so the settings below go through a real env file of the install.
    stage = tmp_path / "root"
    assert install(stage).returncode == 0
    data = tmp_path / "data"
    data.mkdir()
    port, action_port, review_port = free_port(), free_port(), free_port()
    endpoints = data / "endpoints.yml"
    # endpoints.yml as shipped, with the conversations in this test's own SQLite file. It names the
    # default action port, so serve-component's rewrite to ACTION_PORT is exercised too.
    endpoints.write_text((ROOT / "endpoints.yml").read_text().replace("var/rasa.db", str(data / "rasa.db")))
    settings = {"RASA_PORT": port, "ACTION_PORT": action_port, "REVIEW_PORT": review_port,
                "RASA_ENDPOINTS": endpoints, "SANIC_WORKERS": 2, "ALERT_POLL_SECONDS": 1, "TMPDIR": data,
                "REVIEW_TRACKER_URL": f"sqlite:///{data / 'rasa.db'}",
                "REVIEW_DATABASE_URL": f"sqlite:///{data / 'review.db'}",
                "REVIEW_SECRET_FILE": data / "review-secret.key"}
    env_file = stage / "etc" / "pumping-coach" / "env"
    with env_file.open("a") as out:
        out.write("".join(f"{key}={value}\n" for key, value in settings.items()))
    secret = parse_env_file(env_file)["STAFF_API_SECRET"]
    units = {name: Unit(stage, name, data, tmp_path) for name in UNITS}
    try:
        actions = units["pumping-coach-actions.service"].start()
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions.proc, actions.log, 120)
        rasa = units["pumping-coach.service"].start()
        wait_until_up(f"http://127.0.0.1:{port}/webhooks/webchat/", rasa.proc, rasa.log, RASA_START_S)
        status, health = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200, health
        # An answer that needs the action server: the two units found each other through the env file.
        answer = say(port, f"service-unit-{os.getpid()}-{int(time.time())}", "what flange size should i be using")
        assert answer and "trouble" not in " ".join(m.get("text") or "" for m in answer).lower(), answer
        assert rasa.env["STAFF_API_SECRET"] == secret  # the one the review app holds too

        review = units["pumping-coach-review.service"].start()
        wait_until_up(f"http://127.0.0.1:{review_port}/healthz", review.proc, review.log, 120)
        alerts = units["pumping-coach-alerts.service"].start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status, body = get(f"http://127.0.0.1:{review_port}/health")
            if status == 200:
                break
            assert alerts.proc.poll() is None, alerts.log.read_text(errors="replace")[-3000:]
            time.sleep(1)
        assert status == 200 and body["checks"]["alert_worker"]["ok"], body
        with sqlite3.connect(data / "review.db") as db:
            assert db.execute("SELECT count(*) FROM worker_beat WHERE name = 'alerts'").fetchone()[0] == 1

        # Stopped in the reverse order of a shutdown; each within its own unit's TimeoutStopSec.
        for name in reversed(UNITS):
            code, took, left = units[name].stop()
            assert code in CLEAN_STOP, f"{name} exited with {code}:\n" + units[name].log.read_text(errors="replace")[-3000:]
            assert left == [], f"{name} left processes behind: {left}"
            print(f"{name}: stopped in {took:.1f} s (TimeoutStopSec={units[name].stop_timeout:.0f}), code {code}")
        # The action-port rewrite went to the private TMPDIR, never to the shared checkout's var/.
        assert list(data.glob("pumping-endpoints.*.yml"))
    finally:
        for unit in units.values():
            unit.kill()
