"""Load the organisation's roster from a spreadsheet: ``make roster FILE=members.xlsx``.

The file (xlsx, or csv in UTF-8 or CP949) has the columns 소속, 이름 and optionally
확인번호; the header row is found wherever it is (see ``chalicelib.rosterfile``). By
default the file is the whole roster: people not in it are removed (their Kakao
link with them; submitted answers stay). ``--add`` only adds and changes. Loading
the same file again changes nothing. Prints what it added, changed, removed and
rejected (with the line and the reason), and writes one audit entry.

Talks to the local stack when ``.local/stack.json`` says one is running (``make
run``), otherwise to AWS with the usual environment; ``--aws`` ignores the local stack.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scripts.superadmin import Failure, use_local_stack


def load(store: Any, data: bytes, filename: str, replace: bool) -> tuple[Any, Any]:
    """(the file as read, the load report) after writing the roster (as the upload path does)."""
    from chalicelib.service.roster_files import load_file

    return load_file(store, data, filename, replace, actor="operator", target=Path(filename).name)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.roster", description=__doc__.split("\n\n")[0])
    p.add_argument("file", type=Path, help="the roster: .xlsx or .csv")
    p.add_argument("--add", action="store_true", help="only add and change; keep people not in the file")
    p.add_argument("--aws", action="store_true", help="ignore .local/stack.json; use the AWS environment")
    args = p.parse_args(argv)
    try:
        stack = None if args.aws else use_local_stack()
        from chalicelib import runtime
        from chalicelib.config import settings
        from chalicelib.domain.ports import Unavailable
        from chalicelib.rosterfile import RosterFileError

        try:
            data = args.file.read_bytes()
        except OSError as e:
            raise Failure(f"cannot read {args.file}: {e.strerror}") from None
        s = settings()
        where = f"local stack ({stack['dynamodb_endpoint']})" if stack else f"AWS {s.region}, table {s.roster_table}"
        try:
            sheet, report = load(runtime.store(s), data, args.file.name, replace=not args.add)
        except RosterFileError as e:
            raise Failure(f"{args.file.name}: {e}") from None
        except Unavailable as e:
            raise Failure(f"cannot reach DynamoDB ({where}): {e}") from None
    except Failure as e:
        print(e, file=sys.stderr)
        return e.code
    origin = f"sheet {sheet.sheet!r}, " if sheet.sheet else ""
    print(f"{args.file.name} ({origin}header on line {sheet.header_line}) -> {where}")
    print(report.summary())
    for title, names in (("added", report.added), ("changed", report.updated), ("removed", report.removed)):
        if names:
            print(f"{title}: {', '.join(names)}")
    for line, why in report.rejected:
        print(f"rejected line {line}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
