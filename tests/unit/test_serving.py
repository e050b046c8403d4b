"""The supervisor and the TensorFlow placeholder, each in a fresh interpreter (the placeholder must be
installed before Rasa is imported, and this test process has imported it already)."""
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from harness import ROOT
from harness.server import model_path


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
                                                "PATH": "/usr/bin:/bin"})


def test_rasa_loads_without_tensorflow_and_tells_which_components_need_it():
    result = run_python(f"""
        import sys
        from rasa_patches import no_tensorflow
        no_tensorflow.install()
        import spacy, thinc.compat
        from rasa.core.agent import Agent
        from rasa.nlu.classifiers.diet_classifier import DIETClassifier
        from rasa.core.policies.ted_policy import TEDPolicy
        from rasa.core.policies.rule_policy import RulePolicy
        from rasa_patches.portable_diet import PortableDIETClassifier
        assert isinstance(sys.modules["tensorflow"], no_tensorflow.PlaceholderModule)
        assert thinc.compat.has_tensorflow is False  # spaCy took its plain code paths
        assert no_tensorflow.uses_tensorflow(DIETClassifier) and no_tensorflow.uses_tensorflow(TEDPolicy)
        assert not no_tensorflow.uses_tensorflow(RulePolicy)
        assert not no_tensorflow.uses_tensorflow(PortableDIETClassifier)  # it predicts with numpy
        assert no_tensorflow.components_needing_tensorflow("{model_path()}") == []
        print("ok")
    """)
    assert result.stdout.strip().endswith("ok"), result.stderr[-3000:]


def test_installing_after_tensorflow_was_imported_is_refused():
    result = run_python("""
        import tensorflow
        from rasa_patches import no_tensorflow
        try:
            no_tensorflow.install()
        except RuntimeError as err:
            print("refused:", err)
    """, timeout=180)
    assert "refused: TensorFlow is already imported" in result.stdout, result.stderr[-3000:]


def test_model_argument():
    from rasa_patches.no_tensorflow import model_argument
    assert str(model_argument(["run", "--model", "m.tar.gz", "--port", "1"])) == "m.tar.gz"
    assert str(model_argument(["run", "-m", "x.tar.gz"])) == "x.tar.gz"
    assert str(model_argument(["run", "--model=y.tar.gz"])) == "y.tar.gz"
    assert model_argument(["run"]) is None


def test_supervisor_says_so_when_the_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "serving.supervisor", "--port", str(port), "--", "run"],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def test_a_worker_freezes_what_it_loaded_so_full_collections_skip_it():
    # A full garbage collection over a loaded model's 280,000 objects took about 115 ms, a pause in
    # the middle of someone's message; frozen objects are not scanned (docs/results.md).
    import asyncio
    import gc

    from serving.worker import _freeze_loaded_objects

    gc.unfreeze()
    try:
        asyncio.run(_freeze_loaded_objects(None, None))
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_the_restart_policy_backs_off_then_gives_up_and_forgives_a_long_run():
    from serving.keepalive import RestartPolicy

    policy = RestartPolicy()
    assert [policy.after_exit(1.0), policy.after_exit(1.0), policy.after_exit(1.0)] == [2.0, 4.0, None]
    policy = RestartPolicy()
    assert policy.after_exit(1.0) == 2.0 and policy.after_exit(3600) == 0.0  # ran for an hour: at once
    assert policy.after_exit(1.0) == 2.0  # the count started again


def test_keepalive_restarts_a_dying_process_and_gives_up_on_one_that_cannot_start(tmp_path):
    from serving import keepalive

    marker = tmp_path / "starts"
    # Dies at once every time, after noting each start: two restarts (2 s, 4 s), then keepalive gives up.
    script = (f"import pathlib, sys; p = pathlib.Path({str(marker)!r}); "
              "p.write_text(p.read_text() + 'x' if p.exists() else 'x'); sys.exit(7)")
    done = subprocess.run([sys.executable, "-m", "serving.keepalive", "--name", "The test process", "--",
                           sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 7 and marker.read_text() == "x" * keepalive.MAX_FAILURES_AT_START
    assert done.stderr.count("starting it again") == 2 and "giving up" in done.stderr


def test_keepalive_stops_the_process_it_keeps_when_asked(tmp_path):
    from harness.measure import child_pids

    proc = subprocess.Popen([sys.executable, "-m", "serving.keepalive", "--", sys.executable, "-c",
                             "import time; time.sleep(600)"])
    deadline = time.monotonic() + 30
    while not child_pids(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    (child,) = child_pids(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text().lower()
