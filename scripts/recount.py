"""Recount surveys' aggregates from their answers (``make recount [SURVEY=<id or exact title>]``).

A survey's aggregate (the counters 현황, 결과 보기 and 요약 read, domain.aggregates) changes in the same
transaction as every answer, so it never needs this in the ordinary course. This is the repair: for a survey made
before aggregates existed (its views also recount it by themselves the first time they are looked at), or one an
operator doubts. Each recount reads the aggregate's version, then the answers, and writes the count on the condition
that the version is unchanged: an answer that arrives meanwhile makes it read again, never lost. Surveys kept
without names (익명, 참여만 확인) keep no aggregate and are skipped.

Acts on the local stack ``make run`` is running, or with ``--stage`` (``STAGE=prod``) on that deployed stage with
the usual AWS credentials; never on a guess (scripts/target.py).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scripts import target

ATTEMPTS = 5


def recount(store: Any, s: Any) -> tuple[bool, int]:
    """Recount ``s``: (whether its aggregate changed, how many answers it counts)."""
    from chalicelib.domain import aggregates
    from chalicelib.domain.ports import Conflict
    from chalicelib.domain.writes import RecountAggregate

    for _ in range(ATTEMPTS):
        agg = store.get_aggregate(s.id)
        answers = store.list_answers(s.id)
        counts = aggregates.recount(s, answers)
        if agg is not None and agg.built and aggregates.rounded(agg.counts) == aggregates.rounded(counts):
            return False, len(answers)
        try:
            store.commit([RecountAggregate(s.id, counts, agg.version if agg is not None else None)])
            return True, len(answers)
        except Conflict:
            continue  # an answer changed meanwhile: read again
    raise RuntimeError(f"survey {s.id} kept changing while it was recounted; run again")


def chosen(store: Any, which: str) -> list[Any]:
    """Every survey, or the one whose id or exact title is ``which``."""
    if not which:
        return list(store.list_surveys())
    s = store.get_survey(which)
    if s is not None:
        return [s]
    return list(store.get_surveys([i.id for i in store.surveys_titled(which)]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.recount", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("survey", nargs="?", default="", help="a survey's id or exact title (default: every survey)")
    p.add_argument("--stage", help="a deployed stage (default: the local stack of make run)")
    args = p.parse_args(argv)
    try:
        where = target.aim(args.stage).label.lstrip("→ ")
    except target.NoTarget as e:
        print(e, file=sys.stderr)
        return e.code
    from chalicelib import runtime
    from chalicelib.domain import aggregates
    from chalicelib.platform.config import settings

    store = runtime.store(settings())
    surveys = chosen(store, args.survey)
    if not surveys:
        print(f"no survey has the id or title {args.survey!r} [{where}]", file=sys.stderr)
        return 1
    for s in surveys:
        if not aggregates.kept(s):
            print(f"{s.title}: kept without names, counted from its answers when shown (no aggregate)")
            continue
        changed, n = recount(store, s)
        print(f"{s.title}: {n} answers, aggregate {'recounted' if changed else 'already right'} [{where}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
