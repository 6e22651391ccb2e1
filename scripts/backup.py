"""Back up every table, or put a backup back (``make backup``, ``make restore FROM=…``).

Where: the local stack that ``make run`` started (``.local/stack.json``), or with ``--stage``
a deployed stage with the usual AWS credentials (tables ``haengjeong-<stage>-*``, the versioned bucket
``haengjeong-<stage>-backups-<account>``); never a guess (scripts/target.py). Backups go to that bucket
under ``backups/<time>/``, or with ``--dir`` to a local directory.

    python -m scripts.backup backup [--stage prod] [--dir DIR] [--tables PREFIX]
    python -m scripts.backup restore FROM [--stage prod] [--dir DIR] [--into PREFIX] [--overwrite]

FROM is a backup's prefix (``backups/2026-12-02T180000Z``) or ``latest``. ``--into`` names other
tables to restore into, by their prefix (tables made by a point-in-time restore, or a new stack's),
e.g. ``--into haengjeong-prod-restored``; the tables must exist and be empty unless ``--overwrite``.
``backup --tables PREFIX`` reads other tables than the stage's (the ones a point-in-time restore made), so
their items can be put back into the stage's own tables, which keeps every name the stack knows.
The steps of a whole restore, and switching a stage to restored tables, are in docs/operations.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scripts import target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=["backup", "restore"])
    p.add_argument("source", nargs="?", default="", help="restore: the backup's prefix, or 'latest'")
    p.add_argument("--stage", default="", help="a deployed stage (default: the local stack)")
    p.add_argument("--dir", default="", help="a local directory instead of the bucket")
    p.add_argument("--into", default="", help="restore: the table prefix to restore into")
    p.add_argument("--tables", default="", help="backup: the table prefix to read (default: the stage's)")
    p.add_argument("--overwrite", action="store_true", help="restore: into tables that hold items")
    args = p.parse_args(argv)
    try:
        target.aim(args.stage or None)
    except target.NoTarget as e:
        return target.fail(e)

    from chalicelib import runtime
    from chalicelib.jobs import backup
    from chalicelib.platform.config import settings

    s = settings()
    client = runtime.dynamodb_client(s)
    s3 = runtime.exporter(s).client
    sink: backup.Sink = backup.DirectorySink(Path(args.dir)) if args.dir else backup.BucketSink(s3, s.backup_bucket)
    if args.action == "backup":
        read = runtime.table_names(s)
        if args.tables:
            read = {role: f"{args.tables}-{role}" for role in read}
        manifest = backup.run(client, read, sink)
        where = args.dir or f"s3://{s.backup_bucket}"
        print(f"backed up to {where}/{manifest['prefix']}: {manifest['items']}")
        return 0
    source = args.source
    if not source:
        raise SystemExit("restore needs FROM: a backup's prefix or 'latest'")
    if source == "latest":
        if args.dir:
            found = sorted(p.parent.name for p in Path(args.dir).glob(f"{backup.PREFIX}*/manifest.json"))
            source = f"{backup.PREFIX}{found[-1]}/" if found else ""
        else:
            source = backup.latest(s3, s.backup_bucket)
        if not source:
            raise SystemExit("no finished backup found")
    tables = runtime.table_names(s)
    if args.into:
        tables = {role: f"{args.into}-{role}" for role in tables}
    try:
        written = backup.restore(client, tables, sink, source, overwrite=args.overwrite)
    except backup.RestoreRefused as exc:
        raise SystemExit(f"not restored: {exc}") from None
    print(f"restored {source} into {', '.join(tables.values())}: {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
