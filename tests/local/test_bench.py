"""The bench's pure parts: counting items read, percentiles, targets (scripts/bench*.py, loadtests/run.py)."""

from __future__ import annotations

import math

from loadtests.run import percentile
from scripts import bench, bench_calls


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
    assert bench.target("r", 0.95, ">=", 0.9)["holds"] is True
    assert bench.target("r", 0.85, ">=", 0.9)["holds"] is False
    assert bench.target("r", math.nan, "<=", 1.2)["holds"] is False
    assert bench.target("r", None, "<=", 1.2)["holds"] is False
    assert bench.target("n", 0, "==", 0)["target"] == "== 0"


def test_rounds_alternate_and_rotate() -> None:
    kinds = ["reference", "menu", "round"]
    assert [bench.rotate(kinds, r) for r in range(3)] == [
        ["reference", "menu", "round"],
        ["menu", "round", "reference"],
        ["round", "reference", "menu"],
    ]


def test_json_has_no_nan() -> None:
    assert bench.clean({"a": [1.0, math.nan], "b": {"c": math.nan}}) == {"a": [1.0, None], "b": {"c": None}}


def test_table_aligns_hangul() -> None:
    assert bench.pad("메뉴", 6) == "메뉴  " and bench.pad("menu", 6) == "menu  "
