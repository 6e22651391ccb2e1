"""The bench's pure parts: counting items read, percentiles, targets (scripts/bench*.py, loadtests/run.py)."""

from __future__ import annotations

import copy
import dataclasses
import math
import os
from typing import Any

import pytest

from loadtests.run import cpu_used, percentile, tree_cpu
from scripts import bench, bench_calls, bench_loops, bench_plan, bench_report


def test_items_read_from_each_kind_of_response() -> None:
    assert bench_calls.items_read("GetItem", {"Item": {"key": {"S": "k"}}}) == 1
    assert bench_calls.items_read("GetItem", {}) == 0
    assert bench_calls.items_read("Scan", {"Items": [{}] * 2, "Count": 2, "ScannedCount": 500}) == 500
    assert bench_calls.items_read("Query", {"Items": [{}] * 3, "Count": 3}) == 3
    assert bench_calls.items_read("BatchGetItem", {"Responses": {"a": [{}, {}], "b": [{}]}}) == 3
    assert bench_calls.items_read("TransactGetItems", {"Responses": [{"Item": {"k": 1}}, {}]}) == 1
    assert bench_calls.items_read("TransactWriteItems", {"ConsumedCapacity": []}) == 0
    assert bench_calls.items_read("PutItem", {"Attributes": {"k": 1}}) == 0


def test_calls_are_taken_per_message() -> None:
    class Op:
        def __init__(self, name: str) -> None:
            self.name = name

    calls = bench_calls.Calls()
    calls.after_call(parsed={"Item": {}, "ConsumedCapacity": {"CapacityUnits": 0.5}}, model=Op("GetItem"))
    calls.after_call(parsed={"ConsumedCapacity": [{"CapacityUnits": 2.0}]}, model=Op("TransactWriteItems"))
    calls.after_error(model=Op("Scan"), exception=TimeoutError())
    assert calls.take() == {
        "calls": 3,
        "operations": ["GetItem", "TransactWriteItems", "Scan"],
        "writes": 1,
        "items_read": 1,
        "capacity_units": 2.5,
        "read_units": 0.5,
        "write_units": 2.0,
    }
    assert calls.take()["calls"] == 0


def test_nearest_rank_percentile() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50 and percentile(values, 0.99) == 99 and percentile(values, 1.0) == 100
    assert percentile([7.0], 0.99) == 7
    assert math.isnan(percentile([], 0.5))


def test_targets_hold_only_for_numbers_on_the_right_side() -> None:
    assert bench_report.target("r", 0.95, ">=", 0.9)["holds"] is True
    assert bench_report.target("r", 0.85, ">=", 0.9)["holds"] is False
    assert bench_report.target("r", math.nan, "<=", 1.2)["holds"] is False
    assert bench_report.target("r", None, "<=", 1.2)["holds"] is False
    assert bench_report.target("n", 0, "==", 0)["target"] == "== 0"


def test_rounds_alternate_and_rotate() -> None:
    kinds = ["reference", "menu", "round"]
    assert [bench_loops.rotate(kinds, r) for r in range(3)] == [
        ["reference", "menu", "round"],
        ["menu", "round", "reference"],
        ["round", "reference", "menu"],
    ]


def test_json_has_no_nan() -> None:
    assert bench.clean({"a": [1.0, math.nan], "b": {"c": math.nan}}) == {"a": [1.0, None], "b": {"c": None}}


def test_table_aligns_hangul() -> None:
    assert bench_report.pad("메뉴", 6) == "메뉴  " and bench_report.pad("menu", 6) == "menu  "


def test_finite_median_skips_what_is_not_a_number() -> None:
    assert bench_loops.finite_median([3.0, math.nan, 1.0, 2.0]) == 2.0
    assert math.isnan(bench_loops.finite_median([math.nan]))


def _block(rps: list[float], p99: list[float], cpu: list[float], ddb: list[float]) -> dict[str, Any]:
    return {
        "rps": rps,
        "median_rps": bench_loops.finite_median(rps),
        "failures": 0,
        "p99_ms": p99,
        "cpu_ms": cpu,
        "median_cpu_ms": bench_loops.finite_median(cpu),
        "ddb_cpu_ms": ddb,
        "median_ddb_cpu_ms": bench_loops.finite_median(ddb),
    }


def test_floor_figures_pair_the_cycles() -> None:
    block = {
        "reference": _block([200, 210, 190], [50, 50, 50], [4, 4, 4], [4, 4, 4]),
        "floor": _block([100, 120, 110], [100, 50, 80], [5, 5, 6], [6, 6, 6]),
        "round": _block([90, 96, 88], [150, 100, 80], [6, 6, 6], [9, 9, 9]),
    }
    f = bench_loops.floor_figures(block)
    assert f["throughput_ratio"] == 90 / 110  # ratio of the medians
    assert f["cpu_ratio"] == 6 / 5 and f["ddb_cpu_ratio"] == 9 / 6
    assert f["p99_ratios"] == [1.5, 2.0, 1.0] and f["p99_ratio"] == 1.5  # the median of each cycle's ratio
    assert f["floor_to_reference"] == 110 / 200
    # the plain reference's figures, for the record
    assert f["cpu_ratio_reference"] == 6 / 4 and f["p99_ratios_reference"] == [3.0, 2.0, 1.6]
    assert f["p99_ratio_reference"] == 2.0


def test_cpu_of_a_process_tree_and_its_share_per_request() -> None:
    mine = tree_cpu([os.getpid()])
    if not mine:
        pytest.skip("no /proc here")
    assert os.getpid() in mine and all(t >= 0 for t in mine.values())
    used = cpu_used({1: 1.0, 2: 2.0}, {1: 1.5, 2: 2.5}, 100)
    assert used["seconds"] == 1.0 and used["ms_per_request"] == 10.0 and used["changed"] is False
    assert cpu_used({1: 1.0}, {1: 1.0, 3: 0.5}, 10)["changed"] is True
    assert math.isnan(cpu_used({}, {}, 0)["ms_per_request"])


def test_summary_measure_times_both_sizes_and_counts_busy_and_wrong_replies() -> None:
    from scripts import bench_summary

    small = bench_summary.Org(answers=2, members=4, survey_id="s", seed_seconds=0.0)
    large = bench_summary.Org(answers=20, members=23, survey_id="l", seed_seconds=0.0)

    def talker(org: bench_summary.Org, seconds: float, busy_results: bool) -> bench_summary.Say:
        def say(text: str) -> tuple[str, float]:
            if text.startswith("결과 보기"):
                return ("잠시 후 다시 보내 주세요." if busy_results else "결과 페이지"), seconds * 2
            return f"응답 {org.answers}명 / 대상 {org.members}명 (전체, 50%)", seconds

        return say

    def talk(org: bench_summary.Org, seconds: float, busy_results: bool) -> bench_summary.Talk:
        return bench_summary.Talk(talker(org, seconds, busy_results), talker(org, seconds * 10, False))

    out = bench_summary.measure([(small, talk(small, 0.1, False)), (large, talk(large, 0.3, True))], samples=3)
    assert out["sizes"] == [2, 20]
    assert out["현황"]["ratio"] == pytest.approx(3.0) and out["현황"]["ms_small"] == pytest.approx(100)
    assert out["현황"]["unbudgeted_ms_large"] == pytest.approx(3000) and out["현황"]["unbudgeted_ratio"] == 3.0
    assert len(out["결과 보기"]["samples_large"]) == len(out["결과 보기"]["unbudgeted_samples_small"]) == 3
    assert out["결과 보기"]["busy"] == {2: 0, 20: 3} and out["결과 보기"]["unbudgeted_busy"] == {2: 0, 20: 0}
    assert out["wrong_counts"] == {2: 0, 20: 0}

    def forgetful(text: str) -> tuple[str, float]:
        return "응답 0명 / 대상 23명", 0.1

    forgot = bench_summary.Talk(forgetful, talker(large, 1.0, False))
    out = bench_summary.measure([(small, talk(small, 0.1, False)), (large, forgot)], samples=2, warm=0)
    assert out["wrong_counts"] == {2: 0, 20: 2} and out["unbudgeted_wrong_counts"] == {2: 0, 20: 0}


def test_seeded_counters_add_up_what_the_submits_would() -> None:
    """The seeded survey's counters and aggregate are what 30 submits through chat would have left: the store's
    aggregate equals a recount of the answers, and 현황 trusts it (it counts the survey's responses)."""
    from chalicelib.domain import aggregates
    from chalicelib.domain.model import Survey, now_kst
    from chalicelib.domain.writes import PutAnswer, PutSurvey
    from chalicelib.storage.memory import MemoryStore
    from scripts import bench_export, bench_summary

    _, answers = bench_export.sample(30)
    questions = copy.deepcopy(bench_export.QUESTIONS)
    questions[2].capacity = {"치킨": 1000}  # q3: the one option the survey item counts
    survey = Survey(id="s1", title="t", owner="a", questions=questions)
    answers = [dataclasses.replace(a, survey_id="s1", user_key=f"u{i}") for i, a in enumerate(answers)]
    count, aggregate = bench_summary.count_writes(survey, answers, now_kst())
    store = MemoryStore()
    store.commit([PutSurvey(survey), *(PutAnswer(a) for a in answers)])
    store.commit([count, aggregate])
    assert store.get_aggregate("s1").counts == aggregates.recount(survey, answers)
    assert count.survey_id == "s1" and count.response_delta == 30
    chicken = sum(1 for a in answers if a.values["q3"] == "치킨")
    assert 0 < chicken < 30 and count.option_deltas == {"q3:치킨": chicken}  # the others are the aggregate's
    assert store.get_survey("s1").option_counts == {"q3:치킨": chicken}


def test_cold_start_medians() -> None:
    from scripts import bench_coldstart

    m = bench_coldstart.medians([[0.1, 0.2, 0.05], [0.3, 0.1, 0.05], [0.2, 0.3, 0.05]])
    assert m["import_ms"] == 200.0 and m["wire_ms"] == 200.0 and m["clients_ms"] == 50.0
    assert m["import_wire_ms"] == 400.0 and m["total_ms"] == 450.0
    assert "first_ms" not in m and "init_share" not in m  # the bare libraries handle no message

    # ours: the first message and the warm one are beside the total, not in it
    m = bench_coldstart.medians([[0.1, 0.2, 0.1, 0.1, 0.01], [0.2, 0.2, 0.1, 0.5, 0.01], [0.3, 0.2, 0.1, 0.1, 0.03]])
    assert m["total_ms"] == 500.0 and m["first_ms"] == 100.0 and m["warm_ms"] == 10.0
    assert m["init_share"] == 0.8  # the median of each run's share: 0.4/0.5, 0.5/1.0, 0.6/0.7


def test_only_round_runs_the_round_beside_the_floor_alone() -> None:
    plan, out = bench.parse(["--only", "round", "--rounds", "2"])
    assert plan.only == "round" and plan.rounds == 2 and out == bench_plan.ROUND_OUT
    plan, out = bench.parse([])
    assert plan.only is None and out == bench_plan.DEFAULT_OUT
    block = {
        "floor": _block([100, 120], [100, 50], [5, 5], [6, 6]),
        "round": _block([90, 96], [150, 100], [6, 6], [9, 9]),
    }
    f = bench_loops.floor_figures(block)  # no plain reference in that run
    assert f["throughput_ratio"] == 93 / 110 and f["p99_ratios"] == [1.5, 2.0]
    assert math.isnan(f["floor_to_reference"]) and math.isnan(f["cpu_ratio_reference"])


def test_warm_cycles_come_first_and_are_not_measured() -> None:
    kinds = (("floor", "RoundMember", "reference"), ("round", "RoundMember", "bot"))
    planned = bench_loops.cycle_plan(kinds, cycles=4, warm_cycles=1)
    assert [label for label, _, _ in planned] == [
        "warm:floor#1",
        "warm:round#1",
        "round#1",
        "floor#1",
        "floor#2",
        "round#2",
        "round#3",
        "floor#3",
        "floor#4",
        "round#4",
    ]
    measured = [label for label, _, _ in planned if not label.startswith(bench_loops.WARM)]
    # an even count of measured cycles: each side first in as many of them as it is second
    firsts = [measured[i].split("#")[0] for i in range(0, len(measured), 2)]
    assert firsts.count("round") == firsts.count("floor") == 2
    assert [label for label, _, _ in bench_loops.cycle_plan(kinds, cycles=1, warm_cycles=0)] == ["floor#1", "round#1"]
