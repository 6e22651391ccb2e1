"""A survey and an answer are read without the models (raw_items.survey_of, raw_items.answer_of) where a member's
message reads them: they must be what the models make of the same item, for every survey and answer a store can hold,
for the items earlier versions wrote (attributes absent, or NULL), and whatever DynamoDB returns for them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.model import ANONYMOUS, KST, NAMED, PRESENCE, Answer, Question, Survey
from chalicelib.storage import items, raw_items
from chalicelib.storage.tables import AnswerItem, SurveyItem
from tests.storage.codec_strategies import ids, json_value, some, text

moments = st.builds(
    lambda s: datetime(2026, 1, 1, tzinfo=KST) + timedelta(microseconds=s),
    st.integers(0, 3 * 365 * 24 * 3600 * 10**6),
)
questions = st.builds(
    Question,
    id=ids,
    text=some,
    kind=st.sampled_from(["text", "choice", "multi", "number", "date", "time"]),
    required=st.booleans(),
    options=st.lists(some, max_size=3),
    capacity=st.dictionaries(some, st.integers(1, 500), max_size=2),
    min=st.none() | st.integers(-5, 5).map(float),
    max=st.none() | st.integers(5, 100).map(float),
    unit=text,
    format=st.sampled_from(["", "phone", "digits", "email", "tpl:A###"]),
    when=st.lists(some, max_size=2),
)
surveys = st.builds(
    Survey,
    id=ids,
    title=text,
    owner=text,
    questions=st.lists(questions, max_size=3),
    description=text,
    coadmins=st.lists(some, max_size=2),
    viewers=st.lists(some, max_size=2),
    deadline=st.none() | moments,
    target_unit=text,
    cap=st.none() | st.integers(1, 10**5),
    status=st.sampled_from(["open", "closed", "scheduled"]),
    created_at=text,
    owner_name=text,
    response_count=st.integers(0, 10**5),
    option_counts=st.dictionaries(some, st.integers(-3, 10**4), max_size=3),
    reminded_at=st.none() | moments,
    reminded_units=st.dictionaries(some, moments, max_size=2),
    auto_remind=st.lists(st.integers(1, 72), max_size=2),
    auto_reminded=st.lists(st.integers(1, 72), max_size=2),
    opens_at=st.none() | moments,
    repeat=text,
    origin=text,
    mode=st.sampled_from([NAMED, ANONYMOUS, PRESENCE]),
    salt=text,
    batch_size=st.integers(0, 50),
    keep_days=st.integers(0, 400),
    closed_at=st.none() | moments,
    keep_extended=st.booleans(),
    keep_warned=st.booleans(),
    purged_at=st.none() | moments,
)
answers = st.builds(
    Answer,
    survey_id=ids,
    user_key=some,
    values=st.dictionaries(ids, json_value, max_size=4),
    name=text,
    unit=text,
    submitted_at=st.none().map(lambda _: "") | moments.map(lambda m: m.isoformat()),
    updated_at=text,
    survey_title=text,
    version=st.integers(0, 10**6),
    batch=st.none() | st.integers(0, 10**4),
    entered_by=text,
)


def by_the_model(raw: dict[str, Any]) -> Survey:
    return items.survey(SurveyItem.from_raw_data(raw))


@settings(max_examples=300, deadline=None)
@given(surveys)
def test_a_survey_read_without_the_model_is_the_one_the_model_reads(s: Survey) -> None:
    raw = items.survey_item(SurveyItem, s).serialize()
    assert raw_items.survey_of(raw) == by_the_model(raw)


@settings(max_examples=200, deadline=None)
@given(surveys, st.data())
def test_so_is_a_survey_item_of_an_earlier_version(s: Survey, data: st.DataObject) -> None:
    """Attributes absent (written before they existed) or NULL read as the model reads them: as its defaults."""
    raw = items.survey_item(SurveyItem, s).serialize()
    optional = sorted(k for k in raw if k != "id")
    gone = data.draw(st.lists(st.sampled_from(optional), unique=True)) if optional else []
    nulled = data.draw(st.lists(st.sampled_from(optional), unique=True)) if optional else []
    for k in gone:
        raw.pop(k, None)
    for k in nulled:
        if k in raw:
            raw[k] = {"NULL": True}
    assert raw_items.survey_of(raw) == by_the_model(raw)


@settings(max_examples=300, deadline=None)
@given(answers)
def test_an_answer_read_without_the_model_is_the_one_the_model_reads(a: Answer) -> None:
    raw = items.answer_item(AnswerItem, a, a.version).serialize()
    assert raw_items.answer_of(raw) == items.answer(AnswerItem.from_raw_data(raw))
    for k in ("values", "batch", "entered_by", "survey_title", "version"):  # an item of an earlier version
        older = {key: v for key, v in raw.items() if key != k}
        assert raw_items.answer_of(older) == items.answer(AnswerItem.from_raw_data(older))


def test_a_number_reads_as_the_model_reads_it() -> None:
    """DynamoDB returns a number as its shortest text ("5", "1E+1" never; "10", "2.5"): both read it as JSON."""
    raw = items.survey_item(SurveyItem, Survey(id="s1", title="t", owner="o", questions=[], cap=10)).serialize()
    raw["response_count"] = {"N": "7"}
    raw["option_counts"] = {"M": {"q1|a": {"N": "3"}, "q1|b": {"N": "0"}}}
    s = raw_items.survey_of(raw)
    assert (s.cap, s.response_count, s.option_counts) == (10, 7, {"q1|a": 3, "q1|b": 0})
    assert s == by_the_model(raw)


def test_attributes_the_readers_do_not_use_are_passed_over_as_the_models_pass_them() -> None:
    """An attribute the model does not declare (left by an earlier version, of any type) is ignored by both."""
    raw = items.survey_item(SurveyItem, Survey(id="s1", title="t", owner="o", questions=[])).serialize()
    raw["left_behind"] = {"SS": ["a", "b"]}
    raw["blob"] = {"B": b"\x00"}
    assert raw_items.survey_of(raw) == by_the_model(raw)
    a = Answer(survey_id="s1", user_key="k", values={"q1": "x"})
    araw = items.answer_item(AnswerItem, a, 1).serialize()
    araw["left_behind"] = {"NS": ["1"]}
    assert raw_items.answer_of(araw) == items.answer(AnswerItem.from_raw_data(araw))
