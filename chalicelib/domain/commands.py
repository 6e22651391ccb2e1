"""What each of a member's commands does, and the dispatcher of every command.

The words, their grammar and how 도움말 lists them are in :mod:`chalicelib.domain.vocabulary`; this table and
:mod:`chalicelib.domain.admin_commands` have one entry per word there between them (tests/unit/test_readme.py).
A command about a survey names a finder of :mod:`chalicelib.domain.targets`: the dispatcher runs it, gives its
reply when it has one (a choice, not found, a refusal), and otherwise hands the handler the survey as a
:class:`~chalicelib.domain.targets.Target`.
"""

from __future__ import annotations

from chalicelib.domain import answering, member_lists, submitting
from chalicelib.domain.context import Command, Ctx, Outcome
from chalicelib.domain.later import later

# A member's commands. The admin's are chalicelib.domain.admin_commands, imported when one is first used: a
# member's message never loads the modules they run (domain.later).
COMMANDS: dict[str, Command] = {
    "신청 목록": Command(member_lists.list_open),
    "신청": Command(answering.start),
    "내 신청": Command(member_lists.list_mine),
    "신청 수정": Command(answering.start_edit),
    "신청 취소": Command(submitting.ask_withdraw),
    "등록": Command(later("account.register")),  # registration: the roster's rules, once per person
    "탈퇴": Command(later("account.ask_leave")),
    "파일 받기": Command(later("account.collect_files")),
}


def run(ctx: Ctx, word: str, arg: str) -> Outcome:
    """Do the command ``word`` with ``arg`` (the role is checked by the caller)."""
    c = COMMANDS.get(word)
    if c is not None:
        return c.run(ctx, arg)
    from chalicelib.domain.admin_commands import ADMIN_COMMANDS

    a = ADMIN_COMMANDS[word]
    if isinstance(a, Command):
        return a.run(ctx, arg)
    found = a.takes(ctx, word, arg)
    return found if isinstance(found, Outcome) else a.run(ctx, found)
