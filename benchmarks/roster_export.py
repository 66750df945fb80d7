"""roster_export: 100,000 rows to .xlsx, seconds and peak memory, against django-import-export on the same rows."""

import io
import os
import resource
import subprocess
import sys
import time

from common import result, timed


def add_arguments(parser):
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--measure", choices=["ours", "iie"], help="internal: measure one exporter in a child process")


def seed(rows: int):
    from django.db import connection

    from members.models import OrgUnit, Person

    unit, _ = OrgUnit.objects.get_or_create(code="EXP", defaults={"name": "导出基准工会", "kind": "grassroots"})
    if Person.objects.filter(unit=unit).count() >= rows:
        return unit
    from common import roster_rows
    from openpyxl import Workbook

    from members.importer import import_roster
    from members.roster_layout import COLUMNS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append([c.zh for c in COLUMNS])
    for row in roster_rows(rows, seed=7):
        row[10] = row[10].replace("BENCH", "EXP")
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    res = import_roster(io.BytesIO(buf.getvalue()), unit, acting_user=None)
    assert res.ok, res.errors[:3]
    connection.close()
    return unit


def measure(kind: str, rows: int) -> tuple[float, float]:
    """Run one export in this process; return (seconds, peak RSS in MB)."""
    from django.db.models import FilteredRelation, Q

    from members.exports import export_roster_xlsx
    from members.models import OrgUnit, Person

    unit = OrgUnit.objects.get(code="EXP")
    start = time.perf_counter()
    out = io.BytesIO() if kind == "iie" else open(os.devnull, "wb")  # noqa: SIM115
    if kind == "ours":
        qs = Person.objects.filter(unit=unit).annotate(
            cm=FilteredRelation("memberships", condition=Q(memberships__status__in=["active", "retained"]))
        ).order_by("pk")
        import tempfile

        with tempfile.TemporaryFile() as fh:
            export_roster_xlsx(qs, fh)
    else:
        from import_export import resources

        class PersonResource(resources.ModelResource):
            class Meta:
                model = Person
                fields = ("name", "gender", "id_number_masked", "phone", "staff_no", "department", "post", "category")

        dataset = PersonResource().export(Person.objects.filter(unit=unit).order_by("pk"))
        out.write(dataset.export("xlsx"))
    seconds = time.perf_counter() - start
    return seconds, peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across fork + exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(args):
    if getattr(args, "measure", None):
        seconds, peak = measure(args.measure, args.rows)
        print(f"{seconds:.3f} {peak:.1f}")
        return
    with timed() as t:
        seed(args.rows)
    print(f"# seeded {args.rows} people in {t['seconds']:.1f} s")
    base = [sys.executable, os.path.join(os.path.dirname(__file__), "run.py"), "roster_export", "--keep-db",
            "--rows", str(args.rows)]
    env = dict(os.environ, BENCH_REUSE_DB="1")

    def child(kind):
        out = subprocess.run([*base, "--measure", kind], env=env, capture_output=True, text=True, check=True)
        seconds, peak = out.stdout.strip().splitlines()[-1].split()
        return float(seconds), float(peak)

    ours, ours_mb = child("ours")
    result("roster_export", ours, "s", "<=", 15 * args.rows / 100_000)  # baseline: openpyxl write-only 6.9 s per 50k
    result("roster_export_peak_memory", ours_mb, "MB", "<=", 150)
    try:
        import import_export  # noqa: F401
    except ImportError:
        print("# django-import-export not installed: pip install -e '.[bench]' for the baseline")
        return
    theirs, theirs_mb = child("iie")
    print(f"# django-import-export: {theirs:.1f} s, {theirs_mb:.0f} MB peak")
    result("roster_export_speedup_vs_iie", theirs / ours, "x", ">=", 2)
