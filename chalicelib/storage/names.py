"""The store's constants: the partitions and fixed ids its items are kept under, and its clients' time budget.

Apart from the models (:mod:`chalicelib.storage.tables`), so that what a member's message reads and writes without
them (the person, the listing, a survey and an answer as raw items) imports nothing of pynamodb's models.
"""

from __future__ import annotations

ADMIN_PARTITION = "admin"
AUDIT_PARTITION = "audit"
MEMBER_PARTITION = "m"
SURVEY_KIND = "survey"
ROSTER_PARTITION = "r"
FORMER_PARTITION = "x"  # entries taken off the roster that still tie to a person (a load brings them back)
LOAD_PARTITION = "d"  # the last roster load, kept a day: one head item ...
LOAD_HEAD = "head"
LOAD_PARTS_PARTITION = "d#"  # ... and its lines and removal keys in chunks, in a partition of its own ("d#<token>")
UNITS_PARTITION = "u"
UNITS_ENTRY = "units"
FAILURES_PARTITION = "f"
LISTING_ID = "@listing"  # survey ids are hex: no survey can take this id
PLANS_ID = "@plans"  # the schedule the job reads (예약, 반복): a second item of the listing's shape

# Time budget: Kakao gives a skill 5 s per message. One DynamoDB call costs at most
# (1 + MAX_RETRIES) attempts of CONNECT + READ seconds plus about 1 s of backoff, so a
# dead endpoint surfaces as Unavailable in ~4 s instead of hanging; a healthy call
# takes tens of milliseconds.
CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 1.0
MAX_RETRIES = 1
# The longest one call can take when every attempt times out (the store's client waits at
# most 25 ms between attempts that failed that way, as botocore does; a throttled attempt
# fails at once and waits up to 1 s, which is less than a timed-out one). The service starts a
# call only while this much time is left of its reply budget.
WORST_CALL_SECONDS = (1 + MAX_RETRIES) * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + MAX_RETRIES * 0.1
