"""The operations written out for the member's writes (``storage.raw_writes``) write what the models wrote: the
answer's item attribute for attribute. Their conditions are held on every engine by the store's contract tests
(caps, option capacities, deadlines, a count seen, one answer per person, versions)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.model import ANSWER_PREFIX, Answer
from chalicelib.storage import items, raw_writes
from chalicelib.storage.tables import AnswerItem

text = st.text(max_size=12)
values = st.dictionaries(
    st.text("q0123456789", min_size=2, max_size=3),
    st.one_of(text, st.integers(-(10**9), 10**9), st.lists(text, max_size=3), st.booleans()),
    max_size=4,
)
answers = st.builds(
    Answer,
    survey_id=st.text("0123456789abcdef", min_size=8, max_size=8),
    user_key=st.one_of(st.text("0123456789abcdef", min_size=1, max_size=66), st.just(ANSWER_PREFIX + "x1")),
    values=values,
    name=text,
    unit=text,
    submitted_at=st.one_of(st.just(""), st.just("2026-12-06T09:00:00+09:00"), text),
    updated_at=text,
    survey_title=text,
    version=st.integers(0, 10**6),
    batch=st.none() | st.integers(1, 50),
    entered_by=st.one_of(st.just(""), text),
)


@settings(max_examples=300, deadline=None)
@given(answers)
def test_the_answer_written_out_is_the_models(a: Answer) -> None:
    version = a.version + 1
    assert raw_writes.answer_raw(a, version) == items.answer_item(AnswerItem, a, version).serialize()


def test_a_put_of_a_new_answer_or_user_asks_that_there_is_none() -> None:
    op = raw_writes.put_answer("answers", Answer("s1", "k1", {"q1": "피자"}))
    assert op["ConditionExpression"] == "attribute_not_exists (#v)" and "ExpressionAttributeValues" not in op
    op = raw_writes.put_answer("answers", Answer("s1", "k1", {"q1": "피자"}, version=3))
    assert op["ConditionExpression"] == "#v = :v" and op["ExpressionAttributeValues"] == {":v": {"N": "3"}}
    assert op["Item"]["version"] == {"N": "4"}
