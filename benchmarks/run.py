#!/usr/bin/env python
"""Benchmark runner: `python benchmarks/run.py NAME [options]` (`--list` shows the names).

Each benchmark is benchmarks/NAME.py with `add_arguments(parser)` (optional) and `main(args)`, which
generates its own data. The runner gives it a fresh, migrated database — on PostgreSQL when
DATABASE_URL points at one (a database named bench_NAME is created next to it and dropped
afterwards), else a temporary SQLite file — and settings from benchmarks/bench_settings.py (the
test settings plus django-import-export for the baselines). Each benchmark ends with lines

    RESULT <name> <value> <unit> target <op> <number> PASS|FAIL

Environment: DATABASE_URL as above; BENCH_REUSE_DB=1 (internal) runs in the database the parent
process made, for benchmarks that measure in a child process.
"""

import argparse
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
NOT_BENCHMARKS = {"run", "common", "bench_settings", "__init__"}


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in NOT_BENCHMARKS and not p.stem.startswith("_"))


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_postgres_database(url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(url, name)


def drop_postgres_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", nargs="?", choices=available(), metavar="NAME", help="one of: " + ", ".join(available()))
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the benchmark database afterwards")
    known, rest = parser.parse_known_args()
    if known.list or not known.name:
        print("\n".join(available()))
        return
    module = importlib.import_module(known.name)
    sub = argparse.ArgumentParser(prog=f"run.py {known.name}", description=module.__doc__)
    if hasattr(module, "add_arguments"):
        module.add_arguments(sub)
    args = sub.parse_args(rest)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    url = os.environ.get("DATABASE_URL", "")
    reuse = os.environ.get("BENCH_REUSE_DB") == "1"
    postgres = url.startswith(("postgres://", "postgresql://", "pgsql://"))
    dbname = f"bench_{known.name}" if postgres and not reuse else None
    tmp = None
    if dbname:
        os.environ["DATABASE_URL"] = create_postgres_database(url, dbname)
    elif not reuse:
        tmp = tempfile.mkdtemp(prefix="bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"

    import django
    from django.core.management import call_command

    django.setup()
    try:
        if not reuse:
            call_command("migrate", verbosity=0)
        module.main(args)
    finally:
        from django.db import connections

        connections.close_all()
        if dbname and not known.keep_db:
            drop_postgres_database(url, dbname)
        if tmp and not known.keep_db:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
