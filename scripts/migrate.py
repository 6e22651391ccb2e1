"""Bring a stage's tables to this version's layout: ``make migrate`` (the local stack) or ``--stage <stage>``
(deployed).

Idempotent, and safe while the bot runs (user items are rewritten on their version,
survey items and listing entries field by field). It reads every item once (a Scan:
an operator's tool, never a chat path) and adds what earlier versions did not keep:

* every survey: its ``kind`` and ``title_key`` (the ``titles`` index takes it in) and
  whether it is ``full``;
* the listing: an entry for every open survey (members' lists are one read of it);
* every user: the ``members`` index keys (a unit keyed without its spaces, as the roster keeps
  units: earlier versions keyed '1 중대' as typed, and a survey for 1중대 did not find that
  person), the surveys they answered with when (from the id set earlier versions kept), and
  for admins the surveys they own or co-own;
* every named answer: its person and first-submit time (the ``by_person`` index takes it in,
  so someone who registers again gets their answers back);
* the listing entry of an open survey kept without names: that it is one (a member's own
  view then finds that they took part);
* every named survey without a whole aggregate (made before aggregates existed, or left behind by a roll back to
  such a version), or whose aggregate counts by the hour answers it now counts by the day (kept before days were):
  its answers counted into one (``scripts/recount.py``, on the version read);
* the people epoch raised once: people changed by a version before (or rolled back to) did not raise it, so
  every census kept is counted again (domain.census).

``make deploy`` runs it after the stack update; run it by hand after restoring a table.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from datetime import datetime
from typing import Any

from scripts import local, target  # noqa: F401 (local: kept for callers)
from scripts.recount import recount


def _needs_recount(store: Any, s: Any) -> bool:
    """A named survey whose aggregate is missing, not whole, counts other than its own counter, or keeps hours it now
    counts by the day (one GetItem)."""
    from chalicelib.domain import aggregates

    if not aggregates.kept(s) or s.purged_at is not None:
        return False
    agg = store.get_aggregate(s.id)
    if agg is None or not agg.built:
        return True
    return aggregates.responses(agg.counts) != s.response_count or aggregates.hours_kept_late(s, agg.counts)


def _epoch(iso: str) -> int:
    try:
        return int(datetime.fromisoformat(iso).timestamp())
    except ValueError:
        return 0


def migrate(store: Any) -> dict[str, int]:
    """Migrate the tables of ``store`` (a DynamoStore); returns what it changed, by kind."""
    from chalicelib.domain.model import OPEN, Managed
    from chalicelib.domain.ports import Conflict
    from chalicelib.domain.writes import ListSurvey, PutUser, TouchPeople
    from chalicelib.storage import items, user_items
    from chalicelib.storage.names import LISTING_ID, PLANS_ID, SURVEY_KIND

    t = store.tables
    # People changed by a version before this one did not raise the people epoch: every census kept is counted
    # again by its next view. Raised first (a migration stopped half-way leaves none trusted) and last (people
    # changed while it ran).
    store.commit([TouchPeople("migrate")])
    done = {"surveys": 0, "listed": 0, "users": 0, "answers": 0, "aggregates": 0}
    managed: dict[str, dict[str, Managed]] = defaultdict(dict)
    listed = {i.id: i for i in store.listed_surveys()}
    for raw in t.SurveyItem.scan(consistent_read=True):
        if raw.id in (LISTING_ID, PLANS_ID) or raw.id.startswith("@"):  # the listing, schedule, aggregates
            continue
        s = items.survey(raw)
        for key in [s.owner, *s.coadmins]:
            managed[key][s.id] = Managed(s.title, _epoch(s.created_at))
        title_key = items.survey_item(t.SurveyItem, s).title_key
        if raw.kind != SURVEY_KIND or raw.title_key != title_key or bool(raw.full) != s.is_full():
            raw.update(
                actions=[
                    t.SurveyItem.kind.set(SURVEY_KIND),
                    t.SurveyItem.title_key.set(title_key),
                    t.SurveyItem.full.set(s.is_full()),
                ],
                condition=t.SurveyItem.id.exists(),
            )
            done["surveys"] += 1
        if s.status == OPEN and (s.id not in listed or (s.anonymous and not listed[s.id].unnamed)):
            store.commit([ListSurvey(s.info())])
            done["listed"] += 1
        if _needs_recount(store, s) and recount(store, s)[0]:
            done["aggregates"] += 1
    for raw in t.UserItem.scan(consistent_read=True):
        for _ in range(5):  # a user writing meanwhile: read again
            u = store.get_user(raw.key)
            if u is None:
                break
            mine = {sid: m for sid, m in managed.get(u.key, {}).items() if sid not in u.managed}
            keyed = raw.member_unit == user_items.member_unit(u.unit)  # earlier versions keyed '1 중대' as typed
            if raw.member and raw.answered is None and not mine and keyed:
                break  # already in this version's layout
            u.managed.update(mine)
            try:
                store.commit([PutUser(u)])
            except Conflict:
                raw = t.UserItem.get(raw.key, consistent_read=True)
                continue
            done["users"] += 1
            break
    for raw in t.AnswerItem.scan(consistent_read=True):
        a = items.answer(raw)
        at = items.submitted_epoch(a) if a.named else None
        if at is None or (raw.person == a.user_key and raw.at == at):
            continue
        actions = [t.AnswerItem.person.set(a.user_key), t.AnswerItem.at.set(at)]
        raw.update(actions=actions, condition=t.AnswerItem.survey_id.exists())  # an answer withdrawn meanwhile: none
        done["answers"] += 1
    store.commit([TouchPeople("migrate done")])
    return done


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.migrate", description=__doc__.split("\n\n")[0])
    p.add_argument("--stage", help="a deployed stage (default: the local stack of make run)")
    p.add_argument("--region", default=target.REGION)
    args = p.parse_args(argv)
    try:
        target.aim(args.stage, region=args.region)
    except target.NoTarget as e:
        return target.fail(e)
    from chalicelib import runtime
    from chalicelib.platform.config import settings

    s = settings()
    done = migrate(runtime.store(s))
    print(f"migrated {s.users_table} and {s.surveys_table}: " + ", ".join(f"{k} {v}" for k, v in done.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
