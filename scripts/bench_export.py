"""One timed export in a process of its own, for `make bench` (``export_ratio``, ``export_peak_rss_mb``).

    python -m scripts.bench_export ours|bare [--rows 10000]

Builds in memory a survey of 10 questions (text, number, choice, multi-select, date,
yes/no, time, and a second text, number and choice) and ``--rows`` answers, then
times one of (modules are imported before the clock starts, in both):

* ``ours``: ``chalicelib.export.workbook.build_xlsx`` on that survey and its answers;
* ``bare``: openpyxl's write-only workbook appending the same cell values
  (``answer_rows.survey_rows``, computed before the clock starts), saved to bytes.

Prints one JSON object: seconds, bytes, and the process's peak RSS (MB) before and
after the export.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import sys
import time
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.kinds import CHOICE, DATE, MULTI, NUMBER, TEXT, TIME, YESNO
from chalicelib.domain.model import KST, Answer, Question, Survey

QUESTIONS = [
    Question("q1", "이름 외 연락처", TEXT),
    Question("q2", "수량", NUMBER, min=1, max=5),
    Question("q3", "메뉴", CHOICE, options=["치킨", "피자", "족발", "보쌈"]),
    Question("q4", "추가 메뉴", MULTI, options=["콜라", "사이다", "맥주", "감자튀김"]),
    Question("q5", "희망 날짜", DATE),
    Question("q6", "차량 필요", YESNO),
    Question("q7", "도착 시간", TIME),
    Question("q8", "건의 사항", TEXT, required=False),
    Question("q9", "인원", NUMBER),
    Question("q10", "좌석", CHOICE, options=["창가", "통로", "상관없음"]),
]
WORDS = ["행정반", "연락", "부탁드립니다", "확인", "010-1234-5678", "늦을 수 있음", "채식", "없음", "감사합니다"]


def sample(rows: int, seed: int = 7) -> tuple[Survey, list[Answer]]:
    """The benchmark's survey and ``rows`` answers (the same for a given seed)."""
    rnd = random.Random(seed)  # noqa: S311 (a repeatable sample, not a secret)
    start = datetime(2026, 11, 1, 9, 0, tzinfo=KST)
    survey = Survey(
        id="bench0001",
        title="부하 시험 내보내기",
        owner="bench-admin",
        questions=QUESTIONS,
        created_at=start.isoformat(),
    )
    answers = []
    for i in range(rows):
        at = start + timedelta(seconds=37 * i)
        values: dict[str, Any] = {
            "q1": " ".join(rnd.sample(WORDS, 3)),
            "q2": rnd.randint(1, 5),
            "q3": rnd.choice(QUESTIONS[2].options),
            "q4": rnd.sample(QUESTIONS[3].options, rnd.randint(1, 3)),
            "q5": (date(2026, 12, 1) + timedelta(days=rnd.randint(0, 30))).isoformat(),
            "q6": rnd.random() < 0.5,
            "q7": f"{rnd.randint(7, 22):02d}:{rnd.choice((0, 15, 30, 45)):02d}",
            "q9": round(rnd.uniform(1, 40), 1),
            "q10": rnd.choice(QUESTIONS[9].options),
        }
        if rnd.random() < 0.6:
            values["q8"] = " ".join(rnd.sample(WORDS, 5))
        edited = (at + timedelta(hours=2)).isoformat() if i % 10 == 0 else at.isoformat()
        answers.append(
            Answer(
                "bench0001",
                f"member-{i:06d}",
                values,
                name=f"대원{i:05d}",
                unit=f"{i % 12 + 1}중대",
                submitted_at=at.isoformat(),
                updated_at=edited,
                survey_title=survey.title,
            )
        )
    return survey, answers


def peak_rss_mb() -> float:
    """This program's peak resident memory (MB).

    VmHWM, not getrusage: Linux carries ru_maxrss over an exec, so a child started by a
    big parent would report the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform != "darwin" else 1024 * 1024)


def ours(survey: Survey, answers: list[Answer]) -> bytes:
    from chalicelib.export.workbook import build_xlsx

    return build_xlsx([(survey.title, survey, answers)])


def bare(header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("설문")
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("which", choices=["ours", "bare"])
    p.add_argument("--rows", type=int, default=10_000)
    args = p.parse_args(argv)
    # Imports come before the clock in both processes: the figure is the export, not loading modules.
    import openpyxl  # noqa: F401

    from chalicelib.export.answer_rows import survey_rows

    survey, answers = sample(args.rows)
    if args.which == "ours":
        before = peak_rss_mb()
        t0 = time.perf_counter()
        data = ours(survey, answers)
    else:
        header, rows = survey_rows(survey, answers)
        before = peak_rss_mb()
        t0 = time.perf_counter()
        data = bare(header, rows)
    seconds = time.perf_counter() - t0
    json.dump(
        {
            "which": args.which,
            "rows": args.rows,
            "columns": len(QUESTIONS),
            "seconds": seconds,
            "bytes": len(data),
            "peak_rss_mb_before": before,
            "peak_rss_mb": peak_rss_mb(),
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
