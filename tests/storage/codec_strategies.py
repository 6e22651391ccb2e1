"""What the codec tests generate (tests/storage/test_user_codec.py, test_survey_codec.py): text as people type it
(Hangul and the printable ASCII range), survey ids, and JSON values as a session or an answer holds them."""

from __future__ import annotations

from hypothesis import strategies as st

text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xD7A3), max_size=12)
some = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xD7A3), min_size=1, max_size=12)
ids = st.text("0123456789abcdef", min_size=1, max_size=8)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
