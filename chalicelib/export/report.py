"""결과 보기's page: one self-contained HTML document drawn from a :class:`~chalicelib.domain.results.Results`.

It opens in KakaoTalk's in-app browser, so it is laid out for a phone's width first, in the system's fonts,
with its styles and charts (:mod:`chalicelib.export.svg`) inline. It loads nothing, runs no script and says so
in its Content-Security-Policy. Every text an admin or a member typed (the title, the description, options,
units) is escaped. It shows only what the Results hold: counts, sums and averages, never a name, a check
value or an answer typed as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain.kinds import Figures, kind_of
from chalicelib.domain.kinds.base import OTHERS
from chalicelib.domain.model import ANONYMOUS, NAMED, Question
from chalicelib.domain.numerals import fmt_number
from chalicelib.domain.results import DAY, HOUR, Results, UnitResult
from chalicelib.domain.tally import QuestionTally
from chalicelib.domain.when import WEEKDAYS, fmt_deadline
from chalicelib.export import svg
from chalicelib.export.svg import escape

CONTENT_TYPE = "text/html; charset=utf-8"
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

STYLE = """
:root{color-scheme:light dark;--bg:#f3f4f6;--card:#fff;--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;
--bar:#2563eb;--alert:#ea580c;--goal:#16a34a;--chip:#dbeafe;--chip-ink:#1e40af}
@media (prefers-color-scheme:dark){:root{--bg:#111827;--card:#1f2937;--ink:#f3f4f6;--muted:#9ca3af;
--line:#374151;--bar:#60a5fa;--alert:#fb923c;--goal:#4ade80;--chip:#1e3a8a;--chip-ink:#dbeafe}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Apple SD Gothic Neo",
"Malgun Gothic","Noto Sans KR","Noto Sans CJK KR",sans-serif;word-break:keep-all;overflow-wrap:anywhere}
main{max-width:640px;margin:0 auto;padding:12px}
header{padding:8px 4px 12px}
.brand{margin:0;color:var(--muted);font-size:12px;letter-spacing:.02em}
h1{margin:2px 0 6px;font-size:21px;line-height:1.3}
h2{margin:0 0 10px;font-size:16px}
h3{margin:0;font-size:15px;line-height:1.4}
p{margin:0}
.meta{color:var(--muted);font-size:13px}
.chip{display:inline-block;padding:1px 8px;margin-right:6px;border-radius:999px;background:var(--chip);
color:var(--chip-ink);font-size:12px;font-weight:600;vertical-align:1px}
.chip.closed{background:var(--line);color:var(--ink)}
.desc{margin-top:8px;font-size:14px;white-space:pre-line}
section{background:var(--card);border-radius:14px;padding:16px;margin:0 0 12px;box-shadow:0 1px 2px rgb(0 0 0/.06)}
.rate{display:flex;gap:16px;align-items:center}
.rate svg{flex:0 0 112px;width:112px}
dl{margin:0;flex:1;min-width:0;display:grid;grid-template-columns:auto 1fr;gap:4px 12px;font-size:14px}
dt{color:var(--muted)}
dd{margin:0;text-align:right;font-weight:600;font-variant-numeric:tabular-nums}
dd small{font-weight:400;color:var(--muted);white-space:nowrap}
.q{padding:14px 0;border-top:1px solid var(--line)}
.q:first-of-type{border-top:0;padding-top:0}
.q:last-child{padding-bottom:0}
.sub{color:var(--muted);font-size:13px;margin:2px 0 10px}
.stats{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;margin:4px 0 10px}
.stat{background:var(--bg);border-radius:10px;padding:8px;text-align:center;min-width:0}
.stat b{display:block;font-size:17px;font-variant-numeric:tabular-nums}
.stat span{color:var(--muted);font-size:12px}
.cap{color:var(--muted);font-size:12px;margin:10px 0 4px}
.note{color:var(--muted);font-size:12px;margin-top:8px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:6px 4px;border-top:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal}
thead th{border-top:0;color:var(--muted);font-weight:500}
footer{color:var(--muted);font-size:12px;padding:4px 4px 24px}
svg{display:block;max-width:100%;height:auto;overflow:visible}
svg .label{fill:var(--ink)} svg .muted{fill:var(--muted)} svg .track{fill:var(--line)}
svg circle.track{fill:none;stroke:var(--line)} svg rect.bar,svg circle.bar,svg polygon.bar{fill:var(--bar)}
svg circle.bar[stroke]{fill:none;stroke:var(--bar)} svg polyline.bar{stroke:var(--bar)} svg .alert{fill:var(--alert)}
svg .goal{stroke:var(--goal)} svg .axis{stroke:var(--line)}
"""

PERIOD_NAMES = {HOUR: "시간별", DAY: "날짜별"}


def render(r: Results) -> str:
    """The whole page."""
    title = escape(r.title)
    parts = [
        "<!doctype html>",
        '<html lang="ko"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(POLICY)}">',
        '<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">',
        f"<title>{title} 결과</title><style>{STYLE}</style></head><body><main>",
        _header(r),
        _rate(r),
        _timeline(r),
        _questions(r.questions),
        _units(r.units),
        "<footer><p>"
        + escape(f"{fmt_deadline(r.made_at, r.made_at)} 기준으로 만든 페이지예요. 응답을 모아 센 숫자만 담았어요 ")
        + escape("(이름·확인번호·주관식 답은 없어요). 링크는 곧 만료돼요.")
        + "</p></footer>",
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _header(r: Results) -> str:
    chip = "chip" if r.state == "진행 중" else "chip closed"
    deadline = "마감 없음" if r.deadline == "마감 없음" else f"{r.deadline} 마감"
    desc = f'<p class="desc">{escape(r.description)}</p>' if r.description else ""
    return (
        f'<header><p class="brand">행정이 · 결과 보기</p><h1>{escape(r.title)}</h1>'
        f'<p class="meta"><span class="{chip}">{escape(r.state)}</span>{escape(deadline)} · 대상 '
        f"{escape(r.target_label)}</p>{desc}</header>"
    )


def _rate(r: Results) -> str:
    big = f"{r.rate}%" if r.rate is not None else "–"
    ring = svg.ring(r.answered, r.target, big, "응답률", f"응답률 {big}: 대상 {r.target}명 중 {r.answered}명")
    rows = [("응답", f"{r.answered:,}명"), ("대상", f"{r.target:,}명")]
    missing = f"{r.missing:,}명"
    if r.mode == ANONYMOUS:
        missing = "알 수 없음<br><small>익명 신청</small>"
    elif r.unregistered is not None:
        missing += f"<br><small>응답 안 함 {r.silent:,} ·</small> <small>미등록 {r.unregistered:,}</small>"
    cells = "".join(f"<dt>{k}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    cells += f"<dt>미응답</dt><dd>{missing}</dd>"
    if r.cap is not None:
        left = max(0, r.cap - r.answered)
        cells += f"<dt>정원</dt><dd>{r.cap:,}명<br><small>남은 {left:,}</small></dd>"
    return f'<section id="rate"><h2>응답률</h2><div class="rate">{ring}<dl>{cells}</dl></div></section>'


def _when(t: datetime, step: str) -> str:
    day = f"{t.month}/{t.day}"
    if step == HOUR:
        return f"{day} {t.hour}시"
    return f"{day}({WEEKDAYS[t.weekday()]})" if step == DAY else f"{day}~"


def _timeline(r: Results) -> str:
    head = '<section id="time"><h2>응답 추이</h2>'
    if r.mode != NAMED:
        return head + '<p class="note">이름 없이 받은 신청이라 제출 시각을 남기지 않아요.</p></section>'
    if not r.timeline:
        return head + '<p class="note">아직 응답이 없어요.</p></section>'
    labels = [_when(m.start, r.step) for m in r.timeline]
    counts = [m.count for m in r.timeline]
    running, total = [], 0
    for c in counts:
        total += c
        running.append(total)
    goal = r.cap if r.cap is not None and (not r.target or r.cap < r.target) else r.target
    goal_label = f"{'정원' if goal == r.cap else '대상'} {goal:,}명" if goal else ""
    period = PERIOD_NAMES.get(r.step, "주별")
    peak = max(r.timeline, key=lambda m: m.count)
    chart = svg.running(running, labels, goal or None, goal_label, f"누적 응답: {labels[0]}부터 {total}명")
    cols = svg.columns(counts, labels, f"{period} 응답 수, 가장 많을 때 {_when(peak.start, r.step)} {peak.count}명")
    note = "처음 제출한 시각으로 셌어요."
    if peak.count > 1:
        note = f"가장 많이 응답한 때: {_when(peak.start, r.step)} ({peak.count:,}명). " + note
    if r.untimed:
        note += f" 제출 시각이 없는 응답 {r.untimed:,}건은 빠졌어요."
    return (
        head
        + f'<p class="cap">누적 응답</p>{chart}<p class="cap">{period} 응답 수</p>{cols}'
        + f'<p class="note">{escape(note)}</p></section>'
    )


def _questions(items: Sequence[QuestionTally]) -> str:
    if not items:
        return ""
    body = "".join(_question(t) for t in items)
    return f'<section id="questions"><h2>질문별 결과</h2>{body}</section>'


def _question(t: QuestionTally) -> str:
    q, fig = t.question, t.figures
    kind = kind_of(q)
    head = f'<div class="q"><h3>{t.number}. {escape(q.text)}</h3>'
    sub = f"{kind.name} · 응답 {fig.answered:,}명"
    if t.asked is not None:  # 조건: asked only after a given answer
        sub += f" · 물은 사람 {t.asked:,}명"
    if fig.earliest:
        sub += f" · 가장 이른 {fig.earliest} · 가장 늦은 {fig.latest}"
    if fig.counts:
        return head + f'<p class="sub">{escape(sub)}</p>' + _option_bars(q, fig) + "</div>"
    if fig.total is not None:
        return head + f'<p class="sub">{escape(sub)}</p>' + _numbers(q, fig) + "</div>"
    if not fig.earliest and not kind.counts_options:
        sub += " · 답한 내용은 싣지 않아요"
    return head + f'<p class="sub">{escape(sub)}</p></div>'


def _option_bars(q: Question, fig: Figures) -> str:
    rows: list[svg.Row] = []
    for c in fig.counts:
        if c.capacity is not None:
            left = c.left if c.left is not None else max(0, c.capacity - c.count)
            note = f"{c.count:,}/{c.capacity:,}명 · " + ("마감" if left == 0 else f"남은 {left:,}")
            rows.append(svg.Row(c.option, c.count, c.capacity, note, alert=left == 0))
        else:
            share = f" · {round(100 * c.count / fig.answered)}%" if fig.answered else ""
            rows.append(svg.Row(c.option, c.count, None, f"{c.count:,}명{share}"))
    if fig.others:  # 날짜, 시간: the days or hours beyond the busiest, together
        share = f" · {round(100 * fig.others / fig.answered)}%" if fig.answered else ""
        rows.append(svg.Row(OTHERS, fig.others, None, f"{fig.others:,}명{share}"))
    named = [f"{c.option} {c.count}" for c in fig.counts] + ([f"{OTHERS} {fig.others}"] if fig.others else [])
    return svg.bars(rows, f"{q.text}: " + ", ".join(named))


def _numbers(q: Question, fig: Figures) -> str:
    unit = q.unit
    mean = fig.mean
    stats = [
        (fmt_number(fig.total or 0) + unit, "합계"),
        (fmt_number(round(mean, 2)) + unit if mean is not None else "–", "평균"),
        (f"{fig.summed:,}명", "응답"),
    ]
    out = '<div class="stats">' + "".join(
        f'<div class="stat"><b>{escape(v)}</b><span>{k}</span></div>' for v, k in stats
    )
    out += "</div>"
    if fig.by_option:
        rows = [svg.Row(o, v, None, fmt_number(v) + unit) for o, v in fig.by_option]
        out += '<p class="cap">보기별 합계</p>' + svg.bars(rows, f"{q.text} 보기별 합계")
    return out


def _units(units: Sequence[UnitResult]) -> str:
    if not units:
        return ""
    rows = []
    for u in units:
        whole = u.answered + u.missing
        share = f" · {round(100 * u.answered / whole)}%" if whole else ""
        rows.append(svg.Row(u.unit, u.answered, whole, f"{u.answered:,}/{whole:,}명{share}"))
    chart = svg.bars(rows, "소속별 응답: " + ", ".join(f"{u.unit} {u.answered}명" for u in units))
    note = '<p class="note">막대 끝은 그 소속의 응답과 미응답을 더한 수예요.</p>'
    return f'<section id="units"><h2>소속별</h2>{chart}{note}{_unit_sums(units)}</section>'


def _unit_sums(units: Sequence[UnitResult]) -> str:
    """The sums of number questions per unit, as a table (it scrolls sideways when there are many)."""
    questions = next((u.sums for u in units if u.sums), ())
    if not questions:
        return ""
    head = "".join(f"<th>{escape(q.text)}{f' ({escape(q.unit)})' if q.unit else ''}</th>" for q, _ in questions)
    body = ""
    for u in units:
        sums = {q.id: v for q, v in u.sums}
        cells = "".join(f"<td>{fmt_number(sums[q.id]) if q.id in sums else '–'}</td>" for q, _ in questions)
        body += f"<tr><td>{escape(u.unit)}</td>{cells}</tr>"
    return (
        '<p class="cap">소속별 합계</p><div class="scroll"><table>'
        f"<thead><tr><th>소속</th>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )
