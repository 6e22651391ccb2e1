"""The results page: its numbers are 현황's and 미응답's, it holds nothing personal, it escapes what people
typed, it loads nothing; its charts and its timeline; stored on S3 beside the survey's exports."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
import requests
from harness import START, key_of
from reportdata import AWKWARD, CHECKS, LONG, MEMOS, NAMES, TITLE, bbq_world, big_results

from chalicelib.domain.kinds import kind_of
from chalicelib.domain.model import KST, Answer, Question, Survey
from chalicelib.domain.results import DAY, HOUR, WEEK, Results, gather, timeline
from chalicelib.export import svg
from chalicelib.export.report import POLICY, render
from chalicelib.export.s3 import KEY_PREFIX, MAX_LINK_SECONDS


class Page(HTMLParser):
    """A page as a reader sees it: its texts in order, and every tag with its attributes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(data.strip())

    def after(self, text: str) -> str:
        """The text that follows the first text equal to ``text``."""
        return self.texts[self.texts.index(text) + 1]


@pytest.fixture(scope="module")
def bbq() -> tuple[str, str, str, Results]:
    """(현황's reply, 미응답's reply, the page, its Results) of the BBQ survey at one moment."""
    c, ex = bbq_world()
    c.as_("관리자")
    status = c.say(f"현황 {TITLE}").text
    missing = c.say(f"미응답 {TITLE}").text
    assert c.say(f"결과 보기 {TITLE}").buttons
    results = ex.reports[-1]
    return status, missing, render(results), results


# --- the same numbers as 현황 and 미응답 -----------------------------------------------------------


def test_the_response_rate_is_status_s(bbq) -> None:
    status, _, html, _ = bbq
    answered, target, rate = map(int, re.search(r"응답 (\d+)명 / 대상 (\d+)명 \(전체, (\d+)%\)", status).groups())
    # the roster's six and 관리자, registered before the roster with no entry of theirs: each counted once
    assert (answered, target, rate) == (3, 7, 43)
    page = Page(html)
    assert page.after("응답") == f"{answered}명" and page.after("대상") == f"{target}명"
    assert f"{rate}%" in page.texts


def test_the_not_answered_count_is_missing_s(bbq) -> None:
    _, missing, html, results = bbq
    total = int(re.search(r"미응답 (\d+)명", missing)[1])
    silent, waiting = map(int, re.search(r"등록했지만 응답 안 함 (\d+)명 · 아직 등록 안 함 (\d+)명", missing).groups())
    assert (total, silent, waiting) == (4, 2, 2)  # 관리자 and 김철수 silent; 박민수(2222) and 최하나 unregistered
    assert total + 3 == int(re.search(r"대상 (\d+)명", missing)[1])  # with the 3 who answered: the whole target
    page = Page(html)
    assert page.after("미응답") == f"{total}명"
    assert page.texts[page.texts.index(f"{total}명") + 1 :][:2] == [f"응답 안 함 {silent} ·", f"미등록 {waiting}"]
    per_unit = {u: int(a) + int(b) for u, a, b in re.findall(r"• (\S+): 응답 안 함 (\d+)명 · 미등록 (\d+)명", missing)}
    assert per_unit == {"1중대": 1, "2중대": 1, "3중대": 1, "본부": 1}
    assert {u.unit: u.missing for u in results.units} == per_unit


def test_each_question_says_what_status_says(bbq) -> None:
    status, _, _, results = bbq
    for t in results.questions:
        first, *more = kind_of(t.question).tally(t.question, t.figures)
        assert f"{t.number}. {t.question.text}: {first}" in status
        assert all(line in status for line in more)


def test_options_show_takers_capacity_and_places_left_as_status_does(bbq) -> None:
    status, _, html, _ = bbq
    line = re.search(r"1\. 메뉴를 골라 주세요: (.*)", status)[1]
    said = re.findall(r"(\S+) (\d+)(?:\(남은 (\d+)\))?", line)
    assert said == [("치킨", "1", "1"), ("피자", "2", ""), ("족발", "0", "")]
    page = Page(html)
    assert page.after("치킨") == "1/2명 · 남은 1"  # 정원 2
    assert page.after("피자") == "2명 · 67%" and page.after("족발") == "0명 · 0%"


def test_number_sums_and_averages_are_status_s(bbq) -> None:
    status, _, html, _ = bbq
    total, count = map(int, re.search(r"2\. 수량: 합계 (\d+) \(응답 (\d+)\)", status).groups())
    by_option = dict(re.findall(r"(\S+) (\d+)", re.search(r"보기별: (.*)", status)[1]))
    assert (total, count, by_option) == (10, 3, {"치킨": "3", "피자": "7"})
    page = Page(html)
    stats = page.texts[page.texts.index("2. 수량") :]
    assert stats[2:8] == [str(total), "합계", "3.33", "평균", f"{count}명", "응답"]
    by_option_drawn = stats[stats.index("보기별 합계") :]
    assert [by_option_drawn[by_option_drawn.index(o) + 1] for o in by_option] == list(by_option.values())


def test_units_are_status_s_with_missing_s_beside(bbq) -> None:
    status, _, html, results = bbq
    said = re.findall(r"• (\S+) (\d+)명, 수량 (\d+)", status)
    assert said == [("1중대", "1", "3"), ("2중대", "2", "7")]
    assert [(u.unit, u.answered, u.missing) for u in results.units] == [
        ("1중대", 1, 1),
        ("2중대", 2, 1),
        ("3중대", 0, 1),
        ("본부", 0, 1),
    ]
    page = Page(html)
    assert page.after("2중대") == "2/3명 · 67%"
    table = page.texts[page.texts.index("소속별 합계") :]
    assert table[1:9] == ["소속", "수량", "1중대", "3", "2중대", "7", "3중대", "–"]


def test_the_timeline_counts_first_submits(bbq) -> None:
    _, _, html, results = bbq
    assert results.step == HOUR and sum(m.count for m in results.timeline) == results.answered == 3
    assert "시간별 응답 수" in Page(html).texts


# --- nothing personal, nothing loaded, everything escaped ---------------------------------------


def test_no_name_check_value_key_or_typed_answer_is_in_the_page(bbq) -> None:
    _, _, html, _ = bbq
    for secret in [*NAMES, *CHECKS, *MEMOS, "땅콩", *(key_of(n) for n in NAMES), *(key_of(n)[:8] for n in NAMES)]:
        assert secret not in html, secret


def test_a_big_survey_shows_no_name_or_free_text_either() -> None:
    html = render(big_results(300))
    assert "이름0" not in html and "자유 답변" not in html and "user-0" not in html
    assert "미응답자" not in html and "미등록자" not in html


def test_the_page_loads_nothing_and_runs_nothing(bbq) -> None:
    _, _, html, _ = bbq
    page = Page(html)
    policy = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert policy == [POLICY] and POLICY.startswith("default-src 'none'; style-src 'unsafe-inline'; img-src data:")
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "a", "form", "base", "image", "use"}
    for tag, attrs in page.tags:
        assert not [k for k in attrs if k.startswith("on") or k in ("src", "href", "xlink:href", "action")], tag
    assert set(re.findall(r"https?://[^\"' )]+", html)) == {"http://www.w3.org/2000/svg"}  # a namespace, not a load
    assert "url(" not in html and "@import" not in html


def test_everything_typed_is_escaped() -> None:
    r = big_results(50)
    html = render(r)
    for raw in ["<script>", "<i>족발</i>", "<img src=x", "<a href=", '"제목"', "'따옴표'"]:
        assert raw not in html, raw
    page = Page(html)
    assert {t for t, _ in page.tags}.isdisjoint({"script", "i", "img", "a"})
    assert page.texts[page.texts.index("행정이 · 결과 보기") + 1].endswith(AWKWARD)  # shown as the admin typed it
    assert "<i>족발</i>" in page.texts and "<img src=x onerror=alert(1)>" in page.texts
    assert "&lt;script&gt;alert(&quot;제목&quot;)&lt;/script&gt; &amp; &#x27;따옴표&#x27;" in html


def test_long_labels_are_wrapped_or_cut_inside_the_chart() -> None:
    page = Page(render(big_results(50)))
    assert LONG[:30] not in page.texts  # too long for one line of the chart
    i = next(i for i, t in enumerate(page.texts) if len(t) > 10 and LONG.startswith(t))
    assert page.texts[i] + page.texts[i + 1] == LONG[:30]  # on two lines, each inside the drawing
    assert all(svg.text_width(t) <= svg.WIDTH for t in page.texts[i : i + 2])


# --- the charts --------------------------------------------------------------------------------


def test_text_width_fit_and_wrap() -> None:
    assert svg.text_width("가나") == 2 * svg.FONT and svg.text_width("") == 0
    assert svg.text_width("ab") < svg.text_width("AB") < svg.text_width("가나")
    assert svg.fit("짧아요", 100) == "짧아요"
    cut = svg.fit("가" * 40, 100)
    assert cut.endswith("…") and svg.text_width(cut) <= 100 and len(cut) < 40
    lines = svg.wrap("치킨 피자 족발 보쌈 막국수 떡볶이 순대 튀김 김밥 라면", 80)
    assert len(lines) == 2 and lines[-1].endswith("…") and all(svg.text_width(x) <= 80 for x in lines)
    assert lines[0] == "치킨 피자"  # broken at a space
    assert svg.wrap("한 줄", 200) == ["한 줄"] and svg.wrap("", 100) == [""]


def test_nice_ceiling() -> None:
    assert [svg.nice_ceiling(n) for n in (0, 1, 2, 3, 7, 11, 41, 100, 101, 2400)] == [
        1,
        1,
        2,
        5,
        10,
        20,
        50,
        100,
        200,
        5000,
    ]


def widths(drawn: str, cls: str) -> list[float]:
    return [float(w) for w in re.findall(rf'<rect[^>]*width="([\d.]+)"[^>]*class="{cls}"', drawn)]


def test_bars_share_one_scale_and_a_limit_is_the_track() -> None:
    drawn = svg.bars(
        [svg.Row("가", 10, None, "10명"), svg.Row("나", 5, 20, "5/20명"), svg.Row("다", 0, None, "0명")], "차트"
    )
    bars, tracks = widths(drawn, "bar"), widths(drawn, "track")
    assert len(bars) == 2 and bars[0] == pytest.approx(2 * bars[1], abs=0.2)  # 0 draws no bar
    assert tracks == [pytest.approx(4 * bars[1], abs=0.2)]  # 나's capacity of 20 is the longest thing: the full width
    assert drawn.count('class="track faint"') == 2
    full = svg.bars([svg.Row("찬 것", 3, 3, "3/3명 · 마감", alert=True)], "차트")
    assert 'class="alert"' in full and 'class="bar"' not in full
    assert svg.bars([], "빈 차트") == ""


def test_chart_texts_are_escaped() -> None:
    drawn = svg.bars([svg.Row('<b>"x"</b>', 1, None, "<1>")], "<t>")
    assert "<b>" not in drawn and "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in drawn and "&lt;1&gt;" in drawn
    assert 'aria-label="&lt;t&gt;"' in drawn


def test_ring_fills_its_share() -> None:
    half = svg.ring(1, 2, "50%")
    dash = re.search(r'stroke-dasharray="([\d.]+) ([\d.]+)"', half)
    assert float(dash[1]) == pytest.approx(float(dash[2]) / 2, abs=0.02)
    assert "stroke-dasharray" not in svg.ring(0, 10, "0%") and "stroke-dasharray" not in svg.ring(3, 0, "–")
    over = re.search(r'stroke-dasharray="([\d.]+) ([\d.]+)"', svg.ring(12, 10, "120%"))
    assert float(over[1]) == pytest.approx(float(over[2]), abs=0.02)  # never more than once round


def test_running_total_and_goal() -> None:
    drawn = svg.running([1, 3, 6], ["a", "b", "c"], 10, "대상 10명", "누적")
    points = re.search(r'<polyline points="([^"]+)"', drawn)[1].split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1] > ys[2]  # rising (y grows downwards)
    assert 'class="goal"' in drawn and "대상 10명" in drawn and ">10<" in drawn  # the scale reaches the goal
    assert "<polyline" not in svg.running([4], ["a"], None, "", "누적") and "<circle" in svg.running(
        [4], ["a"], None, "", "누적"
    )
    assert svg.running([], [], None, "", "누적") == ""


def test_columns_one_per_nonzero_value() -> None:
    drawn = svg.columns([0, 2, 4, 0, 1], ["1", "2", "3", "4", "5"], "구간별")
    heights = [float(h) for h in re.findall(r'<rect[^>]*height="([\d.]+)"[^>]*class="bar"', drawn)]
    assert len(heights) == 3 and heights[1] == pytest.approx(2 * heights[0]) == pytest.approx(4 * heights[2])
    assert ">1<" in drawn and ">5<" in drawn and ">3<" in drawn  # first, middle and last labels


# --- the timeline --------------------------------------------------------------------------------


def at(**kw: float) -> datetime:
    return START + timedelta(**kw)


def test_timeline_by_hour_day_or_week_with_the_empty_stretches_between() -> None:
    step, moments = timeline([at(minutes=5), at(minutes=50), at(hours=3, minutes=1)])
    assert step == HOUR and [m.count for m in moments] == [2, 0, 0, 1]
    assert moments[0].start == START.replace(minute=0)
    step, moments = timeline([at(days=0), at(days=3), at(days=3, hours=2)])
    assert step == DAY and [m.count for m in moments] == [1, 0, 0, 2]
    assert moments[0].start == START.replace(hour=0)
    step, moments = timeline([at(days=0), at(days=70)])
    assert step == WEEK and moments[0].start.weekday() == 0 and sum(m.count for m in moments) == 2
    assert len(moments) == 11
    assert timeline([]) == (DAY, [])


def test_timeline_days_are_korean_days() -> None:
    first = datetime(2026, 11, 22, 23, 30, tzinfo=KST)
    last = datetime.fromisoformat("2026-11-25T15:30:00+00:00")  # 11/26 00:30 in Korea
    step, moments = timeline([first, last])
    assert step == DAY and [m.count for m in moments] == [1, 0, 0, 0, 1]
    assert (moments[0].start, moments[-1].start) == (
        datetime(2026, 11, 22, tzinfo=KST),
        datetime(2026, 11, 26, tzinfo=KST),
    )


def test_answers_without_a_submit_time_are_left_off_the_timeline_and_said() -> None:
    s = Survey("s", "제목", "o", [Question("q", "수량", "number")])
    answers = [
        Answer("s", "a", {"q": 1}, submitted_at=START.isoformat()),
        Answer("s", "b", {"q": 2}),
        Answer("s", "c", {"q": 3}, submitted_at="2026-11-23T10:00:00"),
    ]  # no offset: Korean time
    r = gather(s, answers, 5, [], None, START)
    assert r.untimed == 1 and sum(m.count for m in r.timeline) == 2 and r.answered == 3
    assert r.timeline[-1].start == datetime(2026, 11, 23, 10, tzinfo=KST)
    assert "제출 시각이 없는 응답 1건은 빠졌어요" in render(r)


def test_an_unanswered_survey_has_a_page_too() -> None:
    s = Survey("s", "빈 신청", "o", [Question("q", "메뉴", "choice", options=["가", "나"])], cap=10)
    html = render(gather(s, [], 0, [], None, START))
    page = Page(html)
    assert "아직 응답이 없어요." in page.texts and "–" in page.texts and page.after("정원") == "10명"


# --- stored on S3 ----------------------------------------------------------------------------------


def test_the_page_is_stored_with_the_survey_s_exports_and_opens_in_the_browser(exporter, s3) -> None:
    r = big_results(20)
    link = exporter.publish_report(r)
    assert link.key.startswith(f"{KEY_PREFIX}{r.survey_id}/") and link.key.endswith("/report.html")
    assert 0 < link.expires_in <= MAX_LINK_SECONDS
    head = exporter.client.head_object(Bucket=s3, Key=link.key)
    assert head["ContentType"] == "text/html; charset=utf-8" and head["ServerSideEncryption"] == "AES256"
    got = requests.get(link.url, timeout=5)
    assert got.status_code == 200 and got.headers["Content-Type"] == "text/html; charset=utf-8"
    assert got.headers["Content-Disposition"] == "inline" and got.content.decode() == render(r)
    assert exporter.publish_report(r).key != link.key  # every page under a key of its own
    exporter.forget_survey(r.survey_id)
    assert exporter.client.list_objects_v2(Bucket=s3, Prefix=KEY_PREFIX).get("KeyCount") == 0


def test_the_link_never_lives_longer_than_ten_minutes(exporter) -> None:
    assert exporter.publish_report(big_results(5), expires_in=3600).expires_in == MAX_LINK_SECONDS == 600
