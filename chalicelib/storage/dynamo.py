"""The DynamoDB Store: the same reads and conditional writes as MemoryStore.

Every ``commit`` is one TransactWriteItems call (a deleted survey's answers are
swept after it; a commit of the user item alone is a conditional PutItem), so a
message's answer, counters, listing and session are stored together or not at
all. Failed conditions become :class:`Conflict`; throttling,
timeouts and connection failures become :class:`Unavailable` (see
:mod:`chalicelib.storage.transact`). Nothing here scans a table.

Consistency: reads by key (users, surveys, answers, in batches too) and the
answers of a survey are strongly consistent. The listing is read eventually
consistent (half the cost; it lags a write by well under a second), and the index
lookups (by name, members, admins, titles) are eventually consistent as indexes
are: a write's own conditions hold the truth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain import census
from chalicelib.domain.model import PARTICIPATION
from chalicelib.domain.ports import Store
from chalicelib.domain.writes import DeleteSurvey, ListSurvey, Plan, PutUser, UnlistSurvey, Unplan, Write
from chalicelib.storage.binding import DynamoConfig
from chalicelib.storage.dynamo_people import PeopleReads
from chalicelib.storage.dynamo_roster import RosterReads
from chalicelib.storage.dynamo_surveys import SurveyReads
from chalicelib.storage.errors import mapped_errors, put_user_alone
from chalicelib.storage.names import LISTING_ID, PLANS_ID

if TYPE_CHECKING:
    from chalicelib.storage.pushlog import DynamoPushLog


class DynamoStore(SurveyReads, PeopleReads, RosterReads, Store):
    """Store backed by the four tables a :class:`DynamoConfig` names.

    The models are bound to them (:class:`~chalicelib.storage.bound.Tables`) on first use, once; a store
    never changes tables. Safe to share between threads. Its reads are those of surveys
    (:mod:`~chalicelib.storage.dynamo_surveys`), people (``dynamo_people``) and the roster (``dynamo_roster``).
    """

    def __init__(self, config: DynamoConfig) -> None:
        super().__init__(config)
        self._listing_ready = False

    # --- writes --------------------------------------------------------------
    def commit(self, writes: list[Write]) -> None:
        """Apply ``writes`` atomically; raise Conflict if any condition fails.

        A DeleteSurvey's survey item and listing entry go in the same transaction as the other
        writes; its answers are swept afterwards (there may be more than a transaction holds).
        """
        epoch = census.touched(writes)  # someone changes: the people epoch moves in the same transaction
        if len(writes) == 1 and isinstance(writes[0], PutUser) and epoch is None:
            put_user_alone(self.client, self.config.users_table, writes[0])
            return
        from chalicelib.storage.transact import transact  # with the models (docs/performance.md)

        t = self.tables
        deleted = [w.survey_id for w in writes if isinstance(w, DeleteSurvey)]
        transactional: list[Write] = [w for w in writes if not isinstance(w, DeleteSurvey)]
        if deleted or any(isinstance(w, (ListSurvey, UnlistSurvey, Plan, Unplan)) for w in writes):
            self._ensure_listing()
        if transactional or deleted:
            transact(t, transactional, unlisted=deleted, deleted=deleted, epoch=epoch)
        for survey_id in deleted:
            with self._forms_lock:
                self._forms.pop(survey_id, None)
            self._sweep_answers(survey_id)

    def _ensure_listing(self) -> None:
        """The listing and schedule items exist (with their maps) before the first write that changes an entry."""
        if self._listing_ready:
            return
        with mapped_errors():
            for item_id in (LISTING_ID, PLANS_ID):
                self._create_map_item(item_id)
        self._listing_ready = True

    def _create_map_item(self, item_id: str) -> None:
        from pynamodb.exceptions import PutError

        from chalicelib.storage.tables import ListingItem

        try:
            self.tables.ListingItem(item_id, entries={}).save(condition=ListingItem.id.does_not_exist())
        except PutError as e:
            if not _condition_failed(e):
                raise

    def push_log(self) -> DynamoPushLog:
        """The pushes of this store, in its roster table (a client of their own, made on first use)."""
        from chalicelib.storage.pushlog import DynamoPushLog  # with the first push

        with self._lock:
            log = self.__dict__.get("_pushes")
            if log is None:
                log = self.__dict__["_pushes"] = DynamoPushLog(self.config)
            return log

    def purge_answers(self, survey_id: str) -> int:
        """Delete a survey's answers, participation records and aggregate (retention over); how many answers went."""
        from chalicelib.storage import dynamo_aggregates

        gone = self._sweep_answers(survey_id)
        with mapped_errors():
            dynamo_aggregates.delete(self.tables, survey_id)
        return gone

    def _sweep_answers(self, survey_id: str) -> int:
        # The survey item went first (in the transaction): a submit carries a CountResponse, which
        # requires the survey, so from then on no submit succeeds and the sweep cannot miss one.
        t = self.tables
        answers = 0
        with mapped_errors():
            keys_only = ["survey_id", "user_key"]
            with t.AnswerItem.batch_write() as batch:
                for partition in (survey_id, PARTICIPATION + survey_id):
                    for item in t.AnswerItem.query(partition, consistent_read=True, attributes_to_get=keys_only):
                        batch.delete(item)
                        answers += partition == survey_id
        return answers


def _condition_failed(e: Exception) -> bool:
    cause = getattr(e, "cause", None)
    response = getattr(cause, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code == "ConditionalCheckFailedException"
