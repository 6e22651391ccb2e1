"""`make bench` runs end to end: the smoke run (a few seconds per part) writes every figure (scripts/bench.py).

Only the shape of the result is checked, never the figures: they depend on the machine.
It starts DynamoDB Local, moto, two gunicorn servers and the load generator (about a
minute). Without Java or the npm package it is skipped on a developer's machine and
fails in CI (CI=true), like the other local-engine tests.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from local_stack import require_engines

from scripts import bench_plan
from scripts.local import ROOT

pytestmark = pytest.mark.timeout(400)  # a hung stack fails this test instead of the CI job

RATIOS = (
    "throughput_ratio_menu",
    "throughput_ratio_round",
    "throughput_ratio_menu_500",
    "history_ratio",
    "history_ratio_menu",
    "history_ratio_list",
    "p50_ms",
    "p99_ms",
    "p99_ratio",
    "throughput_ratio_round_floor",
    "cpu_ratio_round_floor",
    "p99_ratio_round_floor",
    "summary_ratio",
    "results_ratio",
    "summary_ratio_unbudgeted",
    "results_ratio_unbudgeted",
    "import_ratio",
    "cold_start_ratio",
    "cold_start_ms",
    "cold_start_cpu_ratio",
    "cold_start_ratio_no_bytecode",
    "cold_start_ms_no_bytecode",
    "cold_start_init_share",
    "export_ratio",
    "export_peak_rss_mb",
)
PER_KIND = ("ddb_calls", "ddb_writes", "items_read", "ddb_calls_500", "items_read_500")


@pytest.fixture(autouse=True)
def _engines_available() -> None:
    require_engines()


def number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def test_smoke_run_writes_every_figure_and_leaves_nothing(tmp_path: Path) -> None:
    out, scratch = tmp_path / "latest.json", tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    proc = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--smoke", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=360,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    data = json.loads(out.read_text(encoding="utf-8"))

    for key in RATIOS:
        assert number(data[key]), (key, data[key])
    assert isinstance(data["failures"], int) and data["failures"] >= 0
    for key in PER_KIND:
        for kind in bench_plan.KINDS:
            assert isinstance(data[key][kind], int) and data[key][kind] >= 0, (key, kind, data[key])
    assert data["cpu_count"] >= 1 and data["timestamp"] and data["mode"] == "smoke"

    # Every ratio keeps its raw inputs.
    rounds = data["plan"]["rounds"]
    for kind in ("menu", "round", "round_floor", "menu_500"):
        t = data["throughput"][kind]
        assert len(t["ours_rps"]) == len(t["reference_rps"]) == rounds
        assert all(number(x) and x >= 0 for x in t["ours_rps"] + t["reference_rps"])
    floor = data["floor"]
    for key in ("round_cpu_ms", "floor_cpu_ms", "round_ddb_cpu_ms", "floor_ddb_cpu_ms", "p99_ratios"):
        assert len(floor[key]) == rounds and all(number(x) and x >= 0 for x in floor[key]), (key, floor[key])
    summary = data["summary"]
    assert summary["sizes"] == list(data["plan"]["summary_sizes"])
    for view in ("현황", "결과 보기"):
        for key in ("samples_small", "samples_large", "unbudgeted_samples_small", "unbudgeted_samples_large"):
            assert len(summary[view][key]) == summary["samples"], (view, key)
    assert sum(summary["wrong_counts"].values()) + sum(summary["unbudgeted_wrong_counts"].values()) == 0, summary
    cold, uncompiled = data["cold_start"], data["cold_start_no_bytecode"]
    assert cold["bytecode"] is True and uncompiled["bytecode"] is False  # as the zip ships, and as Chalice's was
    for c in (cold, uncompiled):
        assert number(c["bare"]["import_ms"]) and len(c["ratios"]) == data["plan"]["import_runs"]
    for text in ("메뉴", "신청 목록"):
        h = data["history"][text]
        assert len(h["samples_1"]) == len(h["samples_500"]) == data["plan"]["history_samples"]
    assert number(data["think"]["ours"]["p99_ms"]) and number(data["think"]["reference"]["p99_ms"])
    assert len(data["import"]["ours_s"]) == len(data["import"]["bare_s"]) == data["plan"]["import_runs"]
    assert len(data["export"]["ours_s"]) == len(data["export"]["bare_s"]) == data["plan"]["export_runs"]
    assert isinstance(data["store"]["consistent"], bool)

    names = {t["name"] for t in data["targets"]}
    assert {"throughput_ratio_menu", "history_ratio", "p99_ratio", "import_ratio", "export_ratio"} <= names
    assert {"throughput_ratio_round_floor", "summary_ratio", "results_ratio", "cold_start_ratio"} <= names
    assert all(isinstance(t["holds"], bool) for t in data["targets"])
    assert {
        "throughput_ratio_round",
        "cpu_ratio_round_reference",
        "p99_ratio_round_reference",
        "cold_start_ratio_no_bytecode",
    } <= {r["name"] for r in data["records"]}
    assert number(cold["first_ms"]) and 0 < cold["init_share"] <= 1
    assert data["load_average"]["parts"]

    # The table was printed, and nothing was left behind: temporary folders and logs are gone.
    assert "targets hold" in proc.stdout
    assert list(scratch.iterdir()) == []
