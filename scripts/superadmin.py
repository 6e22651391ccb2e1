"""Make a registered user a super admin (``make superadmin USER=<botUserKey or name>``).

Acts on the local stack ``make run`` is running, or with ``--stage`` (``STAGE=prod``) on that deployed stage
with the usual AWS credentials; never on a guess (scripts/target.py). Its first line names the stack.

The user is found by key, else by exact registered name; when several people
share the name they are listed with their unit and key prefix, and nothing is
changed: run again with the key. The promotion is one transaction: the user item
(conditional on its version) plus an audit entry. A lost race (the user wrote
something meanwhile) is re-read and retried once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scripts import local, target


class Failure(Exception):
    """Stop with this message and a non-zero exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def use_local_stack(stack_file: Path = local.STACK_FILE) -> dict[str, Any] | None:
    """Point the environment at the running local stack; None when there is none."""
    try:
        stack = local.running_stack(stack_file)
    except local.StaleStack as e:
        raise Failure(
            f"{e}.\nStart it with `make run` (in another terminal), or name a deployed stage: STAGE=<stage>."
        ) from None
    if stack is not None:
        local.use_stack(stack)
    return stack


def find_user(store: Any, who: str) -> Any:
    """The user whose key is ``who``, else the only one named ``who``."""
    user = store.get_user(who)
    if user is not None:
        return user
    name, unit = who.strip(), ""
    if name.endswith(")") and "(" in name:  # 홍길동(2중대), as the chat names same-named people
        name, _, unit = name[:-1].partition("(")
        name, unit = name.strip(), unit.strip()
    matches = store.find_users_by_name(name)
    if unit:
        matches = [u for u in matches if u.unit == unit]
    if not matches:
        raise Failure(f"no user has the key or the registered name {who!r}")
    if len(matches) > 1:
        lines = [f"{len(matches)} users are named {who!r}; run again with the key of the one you mean:"]
        for u in matches:
            lines.append(f"  {u.key[:16]}…  {u.unit or '(소속 없음)'}  {u.name}  (role {u.role})")
        lines.append(f"  e.g. make superadmin USER='{matches[0].name}({matches[0].unit})' or USER=<full key>")
        raise Failure("\n".join(lines), code=2)
    return matches[0]


def promote(store: Any, who: str) -> tuple[Any, bool]:
    """Grant the super-admin role; returns (user, changed). Retries once on a version conflict."""
    from chalicelib.domain.model import SUPER, AuditEntry, now_kst
    from chalicelib.domain.ports import Conflict
    from chalicelib.domain.writes import Audit, PutUser

    user = find_user(store, who)
    for attempt in (1, 2):
        if user.role >= SUPER:
            return user, False
        user.role = SUPER
        entry = AuditEntry(
            actor="operator", action="grant_super", target=user.key, detail=user.name, at=now_kst().isoformat()
        )
        try:
            # PutUser is conditional: the stored version must still be user.version.
            store.commit([PutUser(user), Audit(entry)])
            return user, True
        except Conflict:
            if attempt == 2:
                raise Failure("the user kept changing while we wrote; try again") from None
            fresh = store.get_user(user.key)
            if fresh is None:
                raise Failure(f"user {user.key[:16]}… was deleted meanwhile") from None
            user = fresh
    raise AssertionError("unreachable")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.superadmin", description=__doc__.split("\n\n")[0])
    p.add_argument("who", help="botUserKey or exact registered name")
    p.add_argument("--stage", help="a deployed stage (default: the local stack of make run)")
    args = p.parse_args(argv)
    try:
        try:
            where = target.aim(args.stage).label.lstrip("→ ")
        except target.NoTarget as e:
            raise Failure(str(e), code=e.code) from None
        from chalicelib import runtime
        from chalicelib.domain.ports import Unavailable
        from chalicelib.platform.config import settings

        s = settings()
        try:
            user, changed = promote(runtime.store(s), args.who)
        except Unavailable as e:
            raise Failure(f"cannot reach DynamoDB ({where}): {e}") from None
    except Failure as e:
        print(e, file=sys.stderr)
        return e.code
    label = f"{user.unit} {user.name}".strip()
    if changed:
        print(f"{label} ({user.key[:16]}…) is now a super admin [{where}]")
    else:
        print(f"{label} ({user.key[:16]}…) already is a super admin [{where}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
