"""`make bench`: how fast and how much, ours beside Rasa's default pipeline on the same data.

Both models are served by a real Rasa server with our action server and a SQLite tracker store,
driven through the web chat webhook. Ours runs as `scripts/run` starts it (`serving.supervisor`: one
worker process per core without TensorFlow, the conversation locks in the SQLite file); the baseline
as stock Rasa runs (`rasa run`: one process, in-memory locks). Memory is summed over every process
of the Rasa server, as RSS and as PSS (shared pages split). Absolute times drift on shared machines,
so the table also gives our figure as a ratio to the baseline measured in the same run. Latency
percentiles are nearest-rank (harness/measure.py), as in eval/review_bench.py. Results: results/bench/.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional

from eval.message_breakdown import breakdown
from eval.message_breakdown import markdown as breakdown_markdown
from harness import ROOT
from harness.measure import memory_mb, percentile, tree_memory_mb
from harness.server import RASA, Server, model_path, running_server

OUT = ROOT / "results" / "bench"
# Rasa 3.6's default recipe (rasa/engine/recipes/config_files/default_config.yml), written out so the
# baseline does not depend on Rasa's auto-configuration.
BASELINE_CONFIG = """recipe: default.v1
language: en
assistant_id: baseline
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
  - name: UnexpecTEDIntentPolicy
    max_history: 5
    epochs: 100
  - name: TEDPolicy
    max_history: 5
    epochs: 100
    constrain_similarities: true
"""
# What parents send, a mix of topics, troubleshooting answers and small talk.
MESSAGES = [
    "hi", "my pump gives almost nothing", "yes she nurses fine", "a bit sore", "how long can milk stay in the fridge",
    "is coconut oil ok on the flanges", "what flange size should i use", "thanks", "i hate pumping",
    "how often should i pump", "left milk on the counter 5 hours is it ok", "can i talk to a person",
]
# Scenarios: (concurrent conversations, messages per conversation). Ten conversations send 30 messages
# each: the p95 of 300 messages is the 15th-slowest, where with 10 each (until 2026-11-29) it was the
# 5th-slowest of 100 and moved by a third between runs of the same code.
SCENARIOS = [(1, 40), (10, 30), (50, 4)]


def timed(cmd: List[str], env: Dict[str, str]) -> float:
    start = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def train_times(config: Path, out: Path) -> Dict[str, Any]:
    """Cold: empty Rasa cache, forced. Unchanged: the same command again with the cache kept."""
    cache = out / "cache"
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(cache), "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    cmd = [RASA, "train", "--config", str(config), "--out", str(out), "--fixed-model-name", "model"]
    cold = timed([*cmd, "--force"], env)
    unchanged = timed(cmd, env)
    return {"cold_s": round(cold, 1), "unchanged_s": round(unchanged, 1), "model": str(out / "model.tar.gz")}


def drive(server: Server, users: int, per_user: int) -> Dict[str, Any]:
    def conversation(i: int) -> List[float]:
        sender = uuid.uuid4().hex
        latencies = []
        for k in range(per_user):
            body = json.dumps({"sender": sender, "message": MESSAGES[(i + k) % len(MESSAGES)]}).encode()
            start = time.monotonic()
            status, _ = server.post(body)
            latencies.append((time.monotonic() - start) * 1000)
            assert status == 200, status
        return latencies

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=users) as pool:
        all_latencies = [ms for lat in pool.map(conversation, range(users)) for ms in lat]
    wall = time.monotonic() - start
    return {"users": users, "messages": len(all_latencies),
            **{f"p{p}_ms": round(percentile(all_latencies, p), 1) for p in (50, 95, 99)},
            "msgs_per_s": round(len(all_latencies) / wall, 1)}


def serve_and_measure(model: Path, tmp: Path, stock: bool = False) -> Dict[str, Any]:
    """Serve ``model`` as `scripts/run` would, or (``stock``) as `rasa run` does by default (one
    process, in-memory lock store), and measure it."""
    start = time.monotonic()
    with running_server(tmp, {}, model=model, stock=stock) as srv:
        ready = time.monotonic() - start
        # Warm-up: a process's first message initialises lazily loaded parts. Eight conversations at
        # once reach every worker (they share one listening socket), so no worker's
        # first message is timed; both sides get the same warm-up.
        drive(srv, 8, 3)
        scenarios = [drive(srv, users, per_user) for users, per_user in SCENARIOS]
        rasa = tree_memory_mb(srv.processes[1].pid)  # the supervisor (or stock main process) and every worker
        memory = {"action_server_mb": memory_mb(srv.processes[0].pid)["rss_mb"],
                  "rasa_server_mb": rasa["rss_mb"], "rasa_server_pss_mb": rasa["pss_mb"],
                  "rasa_processes": rasa["processes"]}
    return {"start_until_ready_s": round(ready, 1), "scenarios": scenarios, **memory}


def ratio(ours: float, base: float) -> str:
    return f"{ours / base:.2f}" if base else "n/a"


def main(argv: Optional[List[str]] = None) -> None:
    # No options: --help only says what a run does (it trains two models; allow half an hour).
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "baseline-config.yml").write_text(BASELINE_CONFIG)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        print("training ours (cold, then unchanged)...", flush=True)
        ours_train = train_times(ROOT / "config.yml", tmp_path / "ours")
        print("training the baseline (cold, then unchanged)...", flush=True)
        base_train = train_times(OUT / "baseline-config.yml", tmp_path / "baseline")
        print("serving ours...", flush=True)
        ours = serve_and_measure(model_path(), tmp_path / "serve-ours")
        print("serving the baseline...", flush=True)
        base = serve_and_measure(Path(base_train["model"]), tmp_path / "serve-baseline", stock=True)
        print("timing the parts of one message, ours then the baseline...", flush=True)
        ours_parts = breakdown(model_path())
        base_parts = breakdown(Path(base_train["model"]), stock=True)
    results = {"ours": {"training": ours_train, **ours, "parts_ms": ours_parts},
               "baseline": {"training": base_train, **base, "parts_ms": base_parts},
               "machine": {"cpus": os.cpu_count()}}
    (OUT / "bench.json").write_text(json.dumps(results, indent=2))
    rows = [("training, cold (s)", ours_train["cold_s"], base_train["cold_s"]),
            ("training, nothing changed (s)", ours_train["unchanged_s"], base_train["unchanged_s"]),
            ("start until ready (s)", ours["start_until_ready_s"], base["start_until_ready_s"]),
            ("Rasa processes (supervisor or main, and workers)", ours["rasa_processes"], base["rasa_processes"]),
            ("Rasa server RSS, all its processes (MB)", ours["rasa_server_mb"], base["rasa_server_mb"]),
            ("Rasa server PSS, all its processes (MB)", ours["rasa_server_pss_mb"], base["rasa_server_pss_mb"]),
            ("action server RSS (MB)", ours["action_server_mb"], base["action_server_mb"])]
    for o, b in zip(ours["scenarios"], base["scenarios"], strict=True):
        for key in ("p50_ms", "p95_ms", "p99_ms", "msgs_per_s"):
            rows.append((f"{o['users']} conversation(s), {key}", o[key], b[key]))
    lines = ["| measure | ours | baseline | ours / baseline |", "|---|---|---|---|"]
    lines += [f"| {name} | {o} | {b} | {ratio(o, b)} |" for name, o, b in rows]
    lines += ["", "Latency percentiles are nearest-rank: each is a measured time, not an interpolation.", "",
              "Where the time of one message goes (eval/message_breakdown.py: the model loaded in one process, "
              "the real action server and SQLite store; milliseconds per message):", "",
              breakdown_markdown(ours_parts, base_parts)]
    (OUT / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
