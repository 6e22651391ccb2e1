"""The DynamoDB store's reads of the roster table: the organisation's people, the units with their head
counts, the last load and its parts, the entries taken off, and refused registrations (all consistent reads).
"""

from __future__ import annotations

from chalicelib.domain.ports import RosterInfo
from chalicelib.domain.roster_records import LoadResult, RosterEntry, Strain, unit_key
from chalicelib.storage import items
from chalicelib.storage.dynamo_reads import DynamoReads
from chalicelib.storage.errors import mapped_errors
from chalicelib.storage.names import (
    FAILURES_PARTITION,
    FORMER_PARTITION,
    LOAD_HEAD,
    LOAD_PARTITION,
    LOAD_PARTS_PARTITION,
    ROSTER_PARTITION,
    UNITS_ENTRY,
    UNITS_PARTITION,
)


class RosterReads(DynamoReads):
    """The roster, its units, the last load and refused registrations."""

    def roster_info(self) -> RosterInfo:
        from pynamodb.exceptions import DoesNotExist  # with the models, which raise it

        with mapped_errors():
            try:
                found = self.tables.RosterItem.get(UNITS_PARTITION, UNITS_ENTRY, consistent_read=True)
            except DoesNotExist:
                return RosterInfo()
        units = {str(k): int(v) for k, v in (found.units or {}).items()}
        return RosterInfo(units, bool(found.checks) and bool(units), True)

    def last_load(self, now: int) -> LoadResult | None:
        from pynamodb.exceptions import DoesNotExist  # with the models, which raise it

        with mapped_errors():
            try:
                head = self.tables.RosterItem.get(LOAD_PARTITION, LOAD_HEAD, consistent_read=True)
            except DoesNotExist:
                return None
        if not head.plan or not head.token or int(head.expires or 0) <= now:  # TTL deletes within days
            return None
        return items.load_result(head.token, head.plan, bool(head.taken))

    def load_lines(self, token: str) -> list[str]:
        return self._load_part(token, "l")

    def load_keys(self, token: str) -> list[str]:
        return self._load_part(token, "k")

    def _load_part(self, token: str, kind: str) -> list[str]:
        t = self.tables
        with mapped_errors():
            found = t.RosterItem.query(
                LOAD_PARTS_PARTITION + token, t.RosterItem.entry.startswith(kind), consistent_read=True
            )
            return [str(x) for i in found for x in (i.plan or [])]

    def former_entries(self) -> list[RosterEntry]:
        with mapped_errors():
            return [items.roster_entry(i) for i in self.tables.RosterItem.query(FORMER_PARTITION, consistent_read=True)]

    def roster_entries(self, unit: str = "", name: str = "") -> list[RosterEntry]:
        t = self.tables
        with mapped_errors():
            if unit:
                prefix = f"{unit_key(unit)}#" + name
                found = t.RosterItem.query(
                    ROSTER_PARTITION, t.RosterItem.entry.startswith(prefix), consistent_read=True
                )
            else:
                found = t.RosterItem.query(ROSTER_PARTITION, consistent_read=True)
            entries = [items.roster_entry(i) for i in found]
        if name:  # "<unit>#<name>" or "<unit>#<name>#<suffix>", not "<unit>#<name>길"
            entries = [e for e in entries if e.entry.split("#")[1] == name]
        return entries

    def registration_strain(self, user_key: str) -> Strain:
        from pynamodb.exceptions import DoesNotExist  # with the models, which raise it

        with mapped_errors():
            try:
                found = self.tables.RosterItem.get(FAILURES_PARTITION, user_key, consistent_read=True)
            except DoesNotExist:
                return Strain()
        return items.strain(found)
