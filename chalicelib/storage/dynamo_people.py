"""The DynamoDB store's reads of people: users by key or name, the members and admins indexes, and the audit
trail of what admins did. Index lookups are eventually consistent; the user items behind them are read
consistently.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.model import AuditEntry, Member, User
from chalicelib.storage import items, user_items
from chalicelib.storage.dynamo_reads import DynamoReads
from chalicelib.storage.errors import mapped_errors
from chalicelib.storage.names import ADMIN_PARTITION, AUDIT_PARTITION, MEMBER_PARTITION


class PeopleReads(DynamoReads):
    """Users, members, admins and the audit trail."""

    def get_users(self, keys: Sequence[str]) -> list[User]:
        """Whole user items by key (BatchGetItem, consistent), in the order asked; missing ones left out."""
        with mapped_errors():
            found = {u.key: u for u in map(user_items.user, self._get_users(keys))}
        return [found[k] for k in dict.fromkeys(keys) if k in found]

    def find_users_by_name(self, name: str) -> list[User]:
        """Users whose name is exactly ``name`` (index lookup; the items are read consistently)."""
        if not name:  # nobody registers without a name (and "" cannot be an index key)
            return []
        with mapped_errors():
            found = self._get_users(i.key for i in self.tables.UserItem.by_name.query(name))
            return items.by_registration(u for u in map(user_items.user, found) if u.name == name)

    def list_members(self, unit: str = "") -> list[Member]:
        """Everyone, or one unit, from the ``members`` index alone (no conversation state is read)."""
        t = self.tables
        with mapped_errors():
            if unit:
                found = t.UserItem.members.query(
                    MEMBER_PARTITION, t.UserItem.member_unit == user_items.member_unit(unit)
                )
            else:
                found = t.UserItem.members.query(MEMBER_PARTITION)
            members = [user_items.member(i) for i in found]
        return sorted(members, key=lambda m: (m.created_at, m.key))

    def list_admins(self) -> list[Member]:
        """People with role >= 1 (sparse index lookup; the items are read consistently)."""
        with mapped_errors():
            keys = (i.key for i in self.tables.UserItem.admins.query(ADMIN_PARTITION))
            admins = [u for u in map(user_items.user, self._get_users(keys)) if u.role >= 1]
        return [Member(u.key, u.name, u.unit, u.role, u.created_at) for u in items.by_registration(admins)]

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` audit entries, newest first."""
        if limit <= 0:
            return []
        with mapped_errors():
            found = self.tables.AuditItem.query(AUDIT_PARTITION, scan_index_forward=False, limit=limit)
            return [items.audit_entry(i) for i in found]
