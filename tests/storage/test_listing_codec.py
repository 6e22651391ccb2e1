"""The listing read without the model (``dynamo_surveys.listed_raw``, every member's message) is what the model
reads of the same item."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.model import CLOSED, OPEN, SurveyInfo
from chalicelib.storage import items
from chalicelib.storage.dynamo_surveys import listed_raw
from chalicelib.storage.names import LISTING_ID
from chalicelib.storage.tables import ListingItem

text = st.text(min_size=1, max_size=12)
KST = timezone(timedelta(hours=9))
infos = st.builds(
    SurveyInfo,
    id=st.text("0123456789abcdef", min_size=8, max_size=8),
    title=text,
    target_unit=st.sampled_from(["", "1중대", "1중대,2중대"]),
    deadline=st.none() | st.datetimes(datetime(2026, 1, 1), datetime(2030, 1, 1)).map(lambda d: d.replace(tzinfo=KST)),
    status=st.sampled_from([OPEN, CLOSED]),
    created_at=st.datetimes(datetime(2025, 1, 1), datetime(2027, 1, 1)).map(lambda d: d.isoformat()),
    owner=text,
    coadmins=st.lists(text, max_size=2).map(tuple),
    full=st.booleans(),
    unnamed=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(infos, max_size=6, unique_by=lambda i: i.id))
def test_the_listing_reads_as_the_model_reads_it(listed: list[SurveyInfo]) -> None:
    item = ListingItem(LISTING_ID, entries={i.id: items.listing_entry(i) for i in listed})
    raw = item.serialize()
    entries = ListingItem.from_raw_data(raw).entries.as_dict()  # what the model reads: survey id -> entry
    assert listed_raw(raw) == items.newest_first(items.listed(str(k), str(v)) for k, v in entries.items())
    assert sorted(i.id for i in listed_raw(raw)) == sorted(i.id for i in listed)


def test_no_listing_and_an_empty_one_list_nothing() -> None:
    assert listed_raw(None) == []
    assert listed_raw(ListingItem(LISTING_ID, entries={}).serialize()) == []
