#!/usr/bin/env python
"""Benchmark runner: `python benchmarks/run.py NAME [options]`, or `--list`.

Each benchmark is benchmarks/NAME.py with `add_arguments(parser)` (optional) and `main(args)`. The
runner creates a fresh database for it — PostgreSQL when DATABASE_URL points at one (a database
named bench_NAME, dropped afterwards), else a temporary SQLite file — migrates it, runs the
benchmark and leaves the RESULT lines it printed:
    RESULT <name> <value> <unit> target <op> <number> PASS|FAIL
"""

import argparse
import importlib
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


def available():
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "common", "__init__"} and not p.stem.startswith("_"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", nargs="?", choices=available())
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the benchmark database")
    known, rest = parser.parse_known_args()
    if known.list or not known.name:
        print("\n".join(available()))
        return
    module = importlib.import_module(known.name)
    sub = argparse.ArgumentParser(prog=f"run.py {known.name}")
    if hasattr(module, "add_arguments"):
        module.add_arguments(sub)
    args = sub.parse_args(rest)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "union_site.settings_test")
    url = os.environ.get("DATABASE_URL", "")
    dbname = None
    reuse = os.environ.get("BENCH_REUSE_DB") == "1"  # a child process measuring in the parent's database
    if reuse:
        pass
    elif url.startswith(("postgres://", "postgresql://")):
        import psycopg

        base, _, _ = url.rpartition("/")
        dbname = f"bench_{known.name}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        os.environ["DATABASE_URL"] = f"{base}/{dbname}"
    else:
        tmp = tempfile.mkdtemp(prefix="bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"

    import django
    from django.core.management import call_command

    django.setup()
    if not reuse:
        call_command("migrate", verbosity=0)
    try:
        module.main(args)
    finally:
        if dbname and not known.keep_db:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
