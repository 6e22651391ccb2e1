"""The DynamoDB store's reads of surveys, answers, the listing and the schedule (one BatchGetItem where a
message needs the member too).

Reads by key and a survey's answers are strongly consistent; the listing is read eventually consistent (half
the cost; it lags a write by well under a second), and so are the ``titles`` and ``by_person`` indexes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from chalicelib.domain.aggregates import Aggregate
from chalicelib.domain.model import ANSWERED_KEPT, Answer, Survey, SurveyInfo, User, title_key
from chalicelib.domain.plans import Planned
from chalicelib.domain.ports import Epoch
from chalicelib.storage import items, raw_items, user_items
from chalicelib.storage.dynamo_reads import DynamoReads
from chalicelib.storage.errors import mapped_errors
from chalicelib.storage.names import LISTING_ID, PLANS_ID, SURVEY_KIND

BATCH_KEYS = 100  # a BatchGetItem's most

FORMS_KEPT = 256  # survey forms kept in memory per store (a few KB each)


class SurveyReads(DynamoReads):
    """Surveys, their answers, the listing and the schedule."""

    def get_user_and_listing(self, key: str) -> tuple[User | None, list[SurveyInfo]]:
        """One BatchGetItem: the user (consistent) and the listing (eventually consistent, half the cost)."""
        found = self._batch_get(
            {
                self.config.users_table: ([{"key": {"S": key}}], True),
                self.config.surveys_table: ([{"id": {"S": LISTING_ID}}], False),
            }
        )
        users = found.get(self.config.users_table, [])
        listing = found.get(self.config.surveys_table, [])
        user = user_items.user_of(users[0]) if users else None
        return user, listed_raw(listing[0] if listing else None)

    def get_user_listing_survey_and_answer(
        self, key: str, survey_id: str
    ) -> tuple[User | None, list[SurveyInfo], Survey | None, Answer | None]:
        """One BatchGetItem of the user, the listing, a survey and the answer under ``key`` to it (consistent:
        the listing shares the survey's table)."""
        if survey_id.startswith("@"):  # not a survey
            return *self.get_user_and_listing(key), None, None
        keys = self._survey_and_answer_keys(survey_id, key)
        keys[self.config.surveys_table][0].append({"id": {"S": LISTING_ID}})
        keys[self.config.users_table] = ([{"key": {"S": key}}], True)
        found = self._batch_get(keys)
        users = found.get(self.config.users_table, [])
        user = user_items.user_of(users[0]) if users else None
        both = {raw["id"]["S"]: raw for raw in found.get(self.config.surveys_table, [])}
        listing = both.pop(LISTING_ID, None)
        listed = listed_raw(listing)
        found[self.config.surveys_table] = list(both.values())
        return user, listed, *self._survey_and_answer(found)

    def get_survey(self, survey_id: str) -> Survey | None:
        """The survey with this id, or None (a GetItem read as :func:`raw_items.survey_of`, without the model)."""
        if survey_id == LISTING_ID:  # not a survey
            return None
        raw = self._get_raw(self.config.surveys_table, {"id": {"S": survey_id}})
        return raw_items.survey_of(raw) if raw else None

    def get_survey_form(self, survey_id: str) -> Survey | None:
        """The survey's form, kept in memory after the first read (its counters are left empty there:
        a form's reader takes them from a fresh read)."""
        with self._forms_lock:
            kept = self._forms.get(survey_id)
            if kept is not None:
                self._forms.move_to_end(survey_id)
        if kept is None:
            s = self.get_survey(survey_id)
            if s is None:
                return None
            kept = dataclasses.replace(s, response_count=0, option_counts={})
            with self._forms_lock:
                self._forms[survey_id] = kept
                while len(self._forms) > FORMS_KEPT:
                    self._forms.popitem(last=False)
        return dataclasses.replace(
            kept, questions=list(kept.questions), coadmins=list(kept.coadmins), viewers=list(kept.viewers)
        )

    def get_surveys(self, survey_ids: Sequence[str]) -> list[Survey]:
        """Surveys by id (BatchGetItem, consistent), in the order asked; missing ones left out."""
        ids = [i for i in dict.fromkeys(survey_ids) if i != LISTING_ID]
        if not ids:
            return []
        with mapped_errors():
            found = {s.id: s for s in map(items.survey, self.tables.SurveyItem.batch_get(ids, consistent_read=True))}
        return [found[i] for i in ids if i in found]

    def get_survey_and_answer(self, survey_id: str, user_key: str) -> tuple[Survey | None, Answer | None]:
        """One BatchGetItem (consistent) of a survey and one person's answer to it."""
        if survey_id == LISTING_ID:  # not a survey
            return None, None
        found = self._batch_get(self._survey_and_answer_keys(survey_id, user_key))
        return self._survey_and_answer(found)

    def get_user_survey_and_answer(self, key: str, survey_id: str) -> tuple[User | None, Survey | None, Answer | None]:
        """One BatchGetItem (consistent) of the user, a survey and the user's answer to it."""
        if survey_id == LISTING_ID:
            return self.get_user(key), None, None
        keys = self._survey_and_answer_keys(survey_id, key)
        keys[self.config.users_table] = ([{"key": {"S": key}}], True)
        found = self._batch_get(keys)
        users = found.get(self.config.users_table, [])
        user = user_items.user_of(users[0]) if users else None
        return user, *self._survey_and_answer(found)

    def _survey_and_answer_keys(self, survey_id: str, user_key: str) -> dict[str, tuple[list[dict[str, Any]], bool]]:
        return {
            self.config.surveys_table: ([{"id": {"S": survey_id}}], True),
            self.config.answers_table: ([{"survey_id": {"S": survey_id}, "user_key": {"S": user_key}}], True),
        }

    def _survey_and_answer(self, found: dict[str, list[dict[str, Any]]]) -> tuple[Survey | None, Answer | None]:
        surveys = found.get(self.config.surveys_table, [])
        answers = found.get(self.config.answers_table, [])
        s = raw_items.survey_of(surveys[0]) if surveys else None
        a = raw_items.answer_of(answers[0]) if answers else None
        return s, a

    def listed_surveys(self) -> list[SurveyInfo]:
        """The listing (one GetItem, eventually consistent), read as :func:`listed_raw` reads it."""
        return listed_raw(self._get_raw(self.config.surveys_table, {"id": {"S": LISTING_ID}}, consistent=False))

    def surveys_titled(self, title: str) -> list[SurveyInfo]:
        """Surveys of exactly this title as titles compare (the ``titles`` index), newest first."""
        key = title_key(title)
        if not key:
            return []
        t = self.tables
        with mapped_errors():
            found = t.SurveyItem.titles.query(SURVEY_KIND, t.SurveyItem.title_key == key)
            return items.newest_first(map(items.survey_info, found))

    def all_surveys(self) -> list[SurveyInfo]:
        """Every survey from the ``titles`` index (what lists show), newest first."""
        with mapped_errors():
            return items.newest_first(map(items.survey_info, self.tables.SurveyItem.titles.query(SURVEY_KIND)))

    def get_answer(self, survey_id: str, user_key: str) -> Answer | None:
        """One person's answer to one survey, or None."""
        from pynamodb.exceptions import DoesNotExist  # with the models, which raise it

        with mapped_errors():
            try:
                return items.answer(self.tables.AnswerItem.get(survey_id, user_key, consistent_read=True))
            except DoesNotExist:
                return None

    def planned(self) -> list[Planned]:
        """The schedule (one item, strongly consistent: the job acts on it)."""
        from pynamodb.exceptions import DoesNotExist  # with the models, which raise it

        with mapped_errors():
            try:
                plans = self.tables.ListingItem.get(PLANS_ID, consistent_read=True)
            except DoesNotExist:
                return []
        entries: Any = plans.entries
        raw = entries.as_dict() if entries is not None else {}
        return [items.planned(str(sid), str(entry)) for sid, entry in raw.items()]

    def list_answers(self, survey_id: str) -> list[Answer]:
        """All answers of one survey, in submission order (then by user key)."""
        with mapped_errors():
            out = [items.answer(i) for i in self.tables.AnswerItem.query(survey_id, consistent_read=True)]
        out.sort(key=lambda a: (a.submitted_at, a.user_key))
        return out

    def answer_keys(self, survey_id: str) -> set[str]:
        """Who answered a survey: one Query of its answers' keys alone (no values read back or parsed)."""
        with mapped_errors():
            found = self.tables.AnswerItem.query(survey_id, consistent_read=True, attributes_to_get=["user_key"])
            return {i.user_key for i in found}

    def answered_among(self, survey_id: str, keys: Sequence[str]) -> set[str]:
        """BatchGetItem (consistent) of the answers' keys alone, 100 at a time."""
        wanted = list(dict.fromkeys(k for k in keys if k))
        table, found = self.config.answers_table, set()
        for first in range(0, len(wanted), BATCH_KEYS):
            chunk = [{"survey_id": {"S": survey_id}, "user_key": {"S": k}} for k in wanted[first : first + BATCH_KEYS]]
            got = self._batch_get({table: (chunk, True)}, projection="user_key")
            found |= {i["user_key"]["S"] for i in got.get(table, [])}
        return found

    def people_epoch(self) -> Epoch:
        """The people epoch's shards: one BatchGetItem (consistent)."""
        from chalicelib.storage import dynamo_aggregates  # with the models: an admin's view

        table = self.config.surveys_table
        found = self._batch_get({table: (dynamo_aggregates.epoch_keys(), True)}).get(table, [])
        return dynamo_aggregates.epoch_of(found, self.config.settle_seconds)

    def get_aggregate(self, survey_id: str) -> Aggregate | None:
        """A survey's counters: one GetItem (consistent)."""
        from chalicelib.storage import dynamo_aggregates  # with the models: an admin's view

        with mapped_errors():
            return dynamo_aggregates.read(self.tables, survey_id)

    def answered_by(self, person: str) -> dict[str, int]:
        """The person's most recent named answers, from ``by_person`` (eventually consistent, as indexes are)."""
        t = self.tables
        with mapped_errors():
            found = t.AnswerItem.by_person.query(person, scan_index_forward=False, limit=ANSWERED_KEPT)
            return {str(i.survey_id): int(i.at or 0) for i in found}


def listed_raw(raw: dict[str, Any] | None) -> list[SurveyInfo]:
    """The listing, from the item as a read returns it (``entries`` a map of survey id to a JSON string), without the
    model (``tables.ListingItem``): every member's message reads it."""
    entries = raw["entries"]["M"] if raw is not None and "entries" in raw else {}
    return items.newest_first(items.listed(sid, entry["S"]) for sid, entry in entries.items())
