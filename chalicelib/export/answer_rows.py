"""A survey's answers as the header and rows every answers file shows (the xlsx sheet and the CSV).

Pure functions with no I/O; each answer becomes the cell its question's kind makes (``domain.kinds``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from chalicelib.domain.kinds import CellValue, kind_of
from chalicelib.domain.marks import person_mark
from chalicelib.domain.model import KST, Answer, Question, Survey

FIXED_HEADER: tuple[str, ...] = ("제출 시각", "이름", "소속", "회원번호")
EDITED_HEADER = "수정 시각"  # after the questions
ENTERED_HEADER = "입력"  # last, when an admin entered any answer for someone (대리 응답): 본인 or 대리(<admin>)

_KST_OFFSET = KST.utcoffset(None)
_NOT_MADE = object()


def survey_rows(
    survey: Survey, answers: Iterable[Answer], marks: Mapping[str, str] | None = None
) -> tuple[list[str], list[list[CellValue]]]:
    """Return the header and one row per answer, ordered by submission time.

    Columns: 제출 시각, 이름, 소속, 회원번호 (the person's mark as 명단 and 미응답 show it: ``marks`` by person
    key, else one made from the key, so two answers of same-named people never look the same), one column
    per question (its text; repeated or
    blank texts are made unique), then 수정 시각 (empty when never edited), and when an admin entered any answer for
    someone (대리 응답) 입력: 본인, or 대리(the admin's name). A survey kept without names
    (익명, 참여만 확인) has the question columns only, in the order the answers are kept.
    Each answer becomes the cell its question's kind makes (``domain.kinds``):
    numbers stay numbers, days are :class:`datetime.date`, multi-select lists are
    joined with ", ", yes/no is 예/아니오; submission times are naive datetimes in
    KST and anything missing is "". Answers whose submission time cannot be read
    come last, in the order given.
    """
    unnamed = survey.anonymous  # 익명, 참여만 확인: no time, name, unit or number of anyone; the table's order
    header = ([] if unnamed else list(FIXED_HEADER)) + _question_headers(survey.questions)
    header += [] if unnamed else [EDITED_HEADER]
    answers = list(answers)
    proxied = not unnamed and any(a.entered_by for a in answers)
    header += [ENTERED_HEADER] if proxied else []
    # Each question's kind is looked up once, not once per answer (what cell_value does per call), and
    # a stored text, yes/no or skip is made a cell once per question: a kind's cell depends on nothing else.
    columns: list[tuple[str, Question, Callable[[Question, Any], CellValue], dict[tuple[type, Any], Any]]] = [
        (q.id, q, kind_of(q).cell, {}) for q in survey.questions
    ]
    timed: list[tuple[datetime, list[CellValue]]] = []
    untimed: list[list[CellValue]] = []
    for a in answers:
        submitted = _kst_naive(a.submitted_at)  # parsed once: the cell and the sort key
        values = a.values
        mark = (marks or {}).get(a.user_key) or person_mark(a.user_key)
        row: list[CellValue] = [] if unnamed else [submitted, a.name or "", a.unit or "", mark]
        for qid, q, cell, made in columns:
            value = values.get(qid)
            kind = type(value)
            if kind is str or value is None or kind is bool:
                key = (kind, value)
                out = made.get(key, _NOT_MADE)
                if out is _NOT_MADE:
                    out = made[key] = cell(q, value)
                row.append(out)
            else:
                row.append(cell(q, value))
        if unnamed:
            untimed.append(row)
            continue
        row.append(_kst_naive(a.updated_at) if a.updated_at and a.updated_at != a.submitted_at else "")
        if proxied:
            row.append(f"대리({a.entered_by})" if a.entered_by else "본인")
        if isinstance(submitted, datetime):
            timed.append((submitted, row))
        else:
            untimed.append(row)
    timed.sort(key=itemgetter(0))  # stable: equal times keep the order given
    return header, [row for _, row in timed] + untimed


def _question_headers(questions: Sequence[Question]) -> list[str]:
    taken = {h.casefold() for h in (*FIXED_HEADER, EDITED_HEADER, ENTERED_HEADER)}
    out: list[str] = []
    for i, q in enumerate(questions, start=1):
        base = " ".join((q.text or "").split()) or f"문항 {i}"
        if q.unit:  # the cells hold plain numbers: the header says what they count
            base = f"{base} ({q.unit})"
        name, n = base, 2
        while name.casefold() in taken:
            name = f"{base} ({n})"
            n += 1
        taken.add(name.casefold())
        out.append(name)
    return out


def _kst_naive(iso: str) -> CellValue:
    """An ISO-8601 timestamp as a naive KST datetime (naive input is taken as KST)."""
    if not iso:
        return ""
    try:
        dt = datetime.fromisoformat(iso.strip().replace("Z", "+00:00"))
    except ValueError:
        return iso
    if dt.tzinfo is not None:
        if dt.utcoffset() != _KST_OFFSET:
            dt = dt.astimezone(KST)
    elif not dt.microsecond:
        return dt
    return datetime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second)  # naive, whole seconds
