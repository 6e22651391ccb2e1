"""The README's command table and the bot's commands agree: every command word (chalicelib.domain.vocabulary.WORDS,
each with its handler in chalicelib.domain.commands.COMMANDS or admin_commands.ADMIN_COMMANDS) has a row, in the
rows of the people who may use it, and every command the table shows is one the bot knows (or a word of the menu,
or an answer in a flow's rows)."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.domain import vocabulary
from chalicelib.domain.admin_commands import ADMIN_COMMANDS
from chalicelib.domain.commands import COMMANDS as MEMBER_COMMANDS
from chalicelib.domain.model import ADMIN, SUPER

COMMANDS = {**MEMBER_COMMANDS, **ADMIN_COMMANDS}

README = Path(__file__).resolve().parents[2] / "README.md"
HEADER = "| who | command | what happens |"
# The table's "who" for the least role a command asks.
WHO = {ADMIN: "admin", SUPER: "super admin"}


def command_rows(text: str) -> list[tuple[str, list[str]]]:
    """The command table's rows: who, and the commands shown in backticks in the command column."""
    lines = text.splitlines()
    start = lines.index(HEADER) + 2  # past the header and its |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        who, command = (cell.strip() for cell in line.strip("|").split("|")[:2])
        rows.append((who, re.findall(r"`([^`]+)`", command)))
    return rows


def words_shown(rows: list[tuple[str, list[str]]]) -> dict[str, set[str]]:
    """Each command word the table shows, with the "who" of the rows that show it."""
    shown: dict[str, set[str]] = {}
    for who, spans in rows:
        for span in spans:
            word, _ = vocabulary.match(span)
            if word is not None:
                shown.setdefault(word.word, set()).add(who)
    return shown


def unknown_commands(rows: list[tuple[str, list[str]]]) -> list[str]:
    """What the table shows as a command and is none. The rows of a flow ("member, answering") show its answers;
    the others show commands, the title first (`<제목> 현황`), or the menu's words."""
    return [
        span
        for who, spans in rows
        if "," not in who
        for span in spans
        if vocabulary.match(span)[0] is None
        and vocabulary.trailing(span, SUPER) is None
        and span not in vocabulary.MENU_WORDS
    ]


def test_every_command_has_a_row_and_every_row_a_command() -> None:
    rows = command_rows(README.read_text(encoding="utf-8"))
    shown = words_shown(rows)
    assert set(COMMANDS) == {w.word for w in vocabulary.WORDS}
    assert sorted(set(COMMANDS) - set(shown)) == [], "commands the README's table does not show"
    assert unknown_commands(rows) == [], "commands in the README's table that the bot does not know"


def test_commands_for_admins_are_in_their_rows() -> None:
    shown = words_shown(command_rows(README.read_text(encoding="utf-8")))
    for word in vocabulary.WORDS:
        if word.role in WHO:
            assert shown[word.word] == {WHO[word.role]}, f"{word.word}: the table's who is not {WHO[word.role]}"


def test_a_command_left_out_of_the_table_is_found() -> None:
    text = README.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| super admin | `마스터키`"))
    shown = words_shown(command_rows(text.replace(row + "\n", "")))
    assert set(COMMANDS) - set(shown) == {"마스터키"}


def test_a_command_the_bot_does_not_know_is_found() -> None:
    text = README.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| super admin | `마스터키`"))
    rows = command_rows(text.replace(row, row.replace("`마스터키`", "`마스터 키`")))
    assert unknown_commands(rows) == ["마스터 키"]
