"""`make bench`'s plan: what it measures with (users, cycles, seconds), its names and paths, and its log.

The parts of the bench (``scripts/bench.py`` runs them) share these; see its docstring for what each measures.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from scripts.local import ROOT

TITLE = "부하 시험"
DEFAULT_OUT = ROOT / ".bench" / "latest.json"
SUMMARY_OUT = ROOT / ".bench" / "summary.json"
ROUND_OUT = ROOT / ".bench" / "round.json"
REFERENCE_TABLE = "bench-reference"
CALLS_TABLE_PREFIX = "haengjeong-calls"
ADMIN = "bench-admin-" + "0" * 54
HISTORY_MEMBER = "bench-history-" + "0" * 52
BUSY = "잠시 후 다시"

IMPORT_OURS = "import app; from chalicelib import runtime; runtime.bot()"
IMPORT_BARE = "import chalice, boto3, pynamodb"
IMPORT_OURS_MEANS = (
    "import app (the Chalice app and everything it imports), then runtime.bot(): the settings read "
    "and the bot built with its store, exporter and queue, as the first message does before its "
    "first DynamoDB call"
)

READ_ONLY_KINDS = ("메뉴", "신청 목록", "내 신청")
ANSWER_KINDS = ("answer", "answer (number)", "answer (skip)")
KINDS = ("메뉴", "신청 목록", "신청 <제목>", "answer", "제출", "내 신청", "현황")


@dataclass(frozen=True)
class Plan:
    users: int = 100
    # Cycles of alternating rounds: an even number, so that each side runs first in as many cycles as it runs
    # second. With three the round ran second in two, and in most such runs the cycle where it ran first was the
    # lowest (docs/performance.md, *Which runs first, and the engine's warm-up*).
    rounds: int = 4
    # Unmeasured cycles before them: DynamoDB Local (a JVM) compiles the code each kind of request runs as it runs
    # it, and its CPU per message falls for minutes, longer for the round's varied requests than for the floor's
    # (the same section). The closed loops compare the two at the engine's steady state.
    warm_cycles: int = 2
    round_seconds: float = 20.0
    warmup: float = 5.0
    think_seconds: float = 45.0
    closed: int = 500
    history_samples: int = 30
    import_runs: int = 15  # fresh processes a side: with 7, the cold-start figures moved by 0.1–0.3 between runs
    export_runs: int = 3
    export_rows: int = 10_000
    summary_sizes: tuple[int, int] = (200, 20_000)
    summary_samples: int = 5
    workers: int = 2
    threads: int = 16
    smoke: bool = False
    only: str | None = None  # "round": the member round beside the floor alone; "summary": the summaries alone


SMOKE: dict[str, Any] = {
    "users": 10,
    "rounds": 1,
    "warm_cycles": 1,
    "round_seconds": 2.0,
    "warmup": 1.0,
    "think_seconds": 3.0,
    "closed": 20,
    "history_samples": 5,
    "import_runs": 1,
    "export_runs": 1,
    "export_rows": 50,
    "summary_sizes": (20, 200),
    "summary_samples": 1,
}


# --- stopping on a signal -------------------------------------------------------------------------


class Interrupted(Exception):
    pass


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


# --- the stack ------------------------------------------------------------------------------------


_T0 = time.monotonic()
LOAD: list[dict[str, Any]] = []  # the machine's load average as each part began (other work shares the cores)


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def log(text: str) -> None:
    """A progress line, with the seconds since the run started and the machine's load average."""
    at, load = time.monotonic() - _T0, load_average()
    if text:
        LOAD.append({"at_s": round(at, 1), "load": load, "part": text})
    print(f"[{at:5.0f} s · load {' '.join(f'{x:.1f}' for x in load)}] {text}" if text else "", flush=True)
