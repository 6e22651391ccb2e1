"""Load the organisation's roster from a spreadsheet: ``make roster FILE=members.xlsx``.

The file (xlsx, or csv in UTF-8 or CP949) has the columns 소속, 이름 and optionally
확인번호; the header row is found wherever it is (see ``chalicelib.export.roster_file``).

A load is a plan first. It prints every person it adds, changes, moves to another unit
or brings back, one per line (the whole list also goes to a file when it is long), and
applies those at once. People missing from the file are only listed: they are taken off
the roster after a yes, typed at the prompt or given as ``--remove yes`` (``REMOVE=yes``).
A file that would take off more than a fifth of the roster is named as probably partial,
and needs the number of people typed (``--remove 801``). Without a terminal and without
the flag nothing is taken off, the command says so and exits with 3. ``--add`` (``ADD=1``)
never takes anyone off. Loading the same file again changes nothing.

People taken off keep their link: loading them again brings them back registered, and a
person who registered stays registered ("명단에 없는 등록자" in 명단) until an admin runs
``등록 해제``. Check values are never printed.

Acts on the local stack ``make run`` is running, or with ``--stage`` (``STAGE=prod``) on that deployed stage;
never on a guess (scripts/target.py). Its first line names the stack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from scripts import target
from scripts.superadmin import Failure

SHOWN_LINES = 40  # lines of the plan printed; a longer plan is written whole to a file too
NOT_REMOVED = 3  # the exit code when people missing from the file were left on the roster


def load(store: Any, data: bytes, filename: str, replace: bool) -> tuple[Any, Any]:
    """(the file as read, the plan) after applying its additions, changes, moves and returns (never removals)."""
    from chalicelib.export.roster_file import read_roster
    from chalicelib.service import roster_files

    sheet = read_roster(data, filename)
    plan = roster_files.plan_file(store, sheet, replace)
    roster_files.apply(store, plan, actor="operator", target=Path(filename).name)
    return sheet, plan


def needed(plan: Any) -> str:
    """What says yes to the plan's removals: 'yes', or their number for a probably partial file."""
    return str(len(plan.removals)) if plan.partial else "yes"


def confirmed(plan: Any, flag: str | None, ask: Callable[[str], str] | None) -> tuple[bool, str]:
    """Whether to take the plan's removals off, and what to tell the operator when not."""
    want = needed(plan)
    n = len(plan.removals)
    partial = (
        f"This file would take {n} of the roster's {plan.before} people off: it is probably partial. "
        if plan.partial
        else ""
    )
    if flag is not None:
        if flag.strip().lower() == want:
            return True, ""
        return False, f"{partial}Nothing was taken off: REMOVE={flag} does not confirm it (REMOVE={want} does)."
    if ask is None:
        return False, (
            f"{n} people not in the file were left on the roster (no terminal to ask). "
            f"{partial}To take them off, run again with REMOVE={want}."
        )
    prompt = f"{partial}Take these {n} people off the roster? Type {want!r} to confirm: "
    if ask(prompt).strip().lower() == want:
        return True, ""
    return False, f"Nothing was taken off. To take them off later, run again (REMOVE={want})."


def write_plan(lines: list[str], source: Path) -> Path:
    """The whole plan in a file beside the local data (``.local/roster-plans/``)."""
    folder = Path(".local") / "roster-plans"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source.stem}-{datetime.now():%Y%m%d-%H%M%S}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None, ask: Callable[[str], str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.roster", description=__doc__.split("\n\n")[0])
    p.add_argument("file", type=Path, help="the roster: .xlsx or .csv")
    p.add_argument("--add", action="store_true", help="only add and change; never take anyone off")
    p.add_argument("--remove", metavar="yes|N", help="take off the people not in the file (N: their number)")
    p.add_argument("--stage", help="a deployed stage (default: the local stack of make run)")
    args = p.parse_args(argv)
    if ask is None and sys.stdin.isatty():
        ask = input
    try:
        try:
            where = target.aim(args.stage).label.lstrip("→ ")
        except target.NoTarget as e:
            raise Failure(str(e), code=e.code) from None
        from chalicelib import runtime
        from chalicelib.domain.ports import Unavailable
        from chalicelib.export.roster_file import RosterFileError
        from chalicelib.platform.config import settings
        from chalicelib.service import roster_files

        try:
            data = args.file.read_bytes()
        except OSError as e:
            raise Failure(f"cannot read {args.file}: {e.strerror}") from None
        s = settings()
        store = runtime.store(s)
        try:
            sheet, plan = load(store, data, args.file.name, replace=not args.add)
        except RosterFileError as e:
            raise Failure(f"{args.file.name}: {e}") from None
        except Unavailable as e:
            raise Failure(f"cannot reach DynamoDB ({where}): {e}") from None
    except Failure as e:
        print(e, file=sys.stderr)
        return e.code
    origin = f"sheet {sheet.sheet!r}, " if sheet.sheet else ""
    print(f"{args.file.name} ({origin}header on line {sheet.header_line}) -> {where}")
    print(plan.summary())
    lines = plan.lines()
    for line in lines[:SHOWN_LINES]:
        print(f"  {line}")
    if len(lines) > SHOWN_LINES:
        print(f"  … {len(lines) - SHOWN_LINES} more; the whole list: {write_plan(lines, args.file)}")
    if not plan.removals:
        return 0
    yes, why = confirmed(plan, args.remove, ask)
    if not yes:
        print(why, file=sys.stderr)
        return NOT_REMOVED
    gone = roster_files.remove(store, [e.entry for e in plan.removals], actor="operator", target=args.file.name)
    registered = sum(1 for e in gone if e.claimed_by)
    print(
        f"took {len(gone)} people off the roster"
        + (f" ({registered} registered: they stay registered)" if registered else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
