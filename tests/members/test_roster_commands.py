"""The roster commands: import_roster (exit 0 with a summary, or exit 1 with one line per problem and nothing
written), export_roster (the importer's layout) and list_units."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from members.models import Membership, MembershipEvent, Person
from union_site.models import AuditEvent

from ..factories import OrgUnitFactory, make_id_number
from .test_importer import good_rows, xlsx

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def roster_file(tmp_path):
    def write(rows, name="roster.xlsx"):
        path = tmp_path / name
        path.write_bytes(xlsx(rows).getvalue())
        return path

    return write


def test_import_exits_0_with_a_summary(school, roster_file, capsys):
    call_command("import_roster", str(roster_file(good_rows(3))), "--unit", school.code)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "3" in out[0]
    assert Person.objects.count() == 3 and MembershipEvent.objects.filter(kind="imported").count() == 3
    assert AuditEvent.objects.filter(action="members.roster.imported", actor=None).exists()
    call_command("import_roster", str(roster_file(good_rows(3))), "--unit", school.code)  # again: no change
    assert Person.objects.count() == 3 and MembershipEvent.objects.count() == 3


def test_dry_run_checks_and_writes_nothing(school, roster_file, capsys):
    call_command("import_roster", str(roster_file(good_rows(3))), "--unit", school.code, "--dry-run")
    assert len(capsys.readouterr().out.strip().splitlines()) == 1
    assert Person.objects.count() == 0 and not AuditEvent.objects.filter(action="members.roster.imported").exists()


def test_import_exits_1_with_one_line_per_problem_and_writes_nothing(school, roster_file, capsys):
    rows = good_rows(4)
    rows[1][2] = rows[1][2][:-1] + ("0" if rows[1][2][-1] != "0" else "1")
    rows[3][0] = ""
    with pytest.raises(SystemExit) as exit_:
        call_command("import_roster", str(roster_file(rows)), "--unit", school.code)
    assert exit_.value.code == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["第3行 身份证号：校验位错误", "第5行 姓名：姓名为空。"]  # the command speaks Chinese
    assert Person.objects.count() == Membership.objects.count() == 0


def test_import_refuses_an_unknown_unit_or_a_missing_file(school, roster_file, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_roster", str(roster_file(good_rows(1))), "--unit", "NO-SUCH-UNIT")
    with pytest.raises(CommandError):
        call_command("import_roster", str(tmp_path / "missing.xlsx"), "--unit", school.code)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not excel")
    with pytest.raises(CommandError):
        call_command("import_roster", str(bad), "--unit", school.code)


def test_export_writes_the_layout_the_importer_reads(school, roster_file, tmp_path, capsys):
    branch = OrgUnitFactory(code="XJY-ZXXX-D", name="低年级分会", kind="branch", parent=school)
    rows = good_rows(3)
    call_command("import_roster", str(roster_file(rows)), "--unit", school.code)
    Person.objects.filter(name="王二").update(unit=branch)
    out = tmp_path / "out.xlsx"
    call_command("export_roster", "--unit", school.code, "-o", str(out))
    ws = load_workbook(out).active
    assert ws.max_row == 4 and ws["A1"].value == "姓名" and "*" in ws["C2"].value  # masked by default
    assert not AuditEvent.objects.filter(action="members.roster.exported_full_ids").exists()
    capsys.readouterr()
    call_command("import_roster", str(out), "--unit", school.code)  # the export goes straight back in
    assert "3" in capsys.readouterr().out and Person.objects.count() == 3
    assert Person.objects.get(name="王二").unit == branch
    full = tmp_path / "full.xlsx"
    call_command("export_roster", "--unit", branch.code, "-o", str(full), "--full-id")
    ws = load_workbook(full).active
    assert ws.max_row == 2 and ws["C2"].value == make_id_number(1)  # the branch only
    assert AuditEvent.objects.get(action="members.roster.exported_full_ids").data == {
        "rows": 1, "unit": branch.code, "source": "export_roster"}


def test_export_refuses_an_unknown_unit(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_roster", "--unit", "NOPE", "-o", str(tmp_path / "x.xlsx"))


def test_list_units_prints_code_and_name_one_per_line(school, other_school, capsys):
    call_command("list_units")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ["XJY\t县教育工会", "XJY-ZXXX\t城关中心小学工会", "XJY-EZ\t第二中学工会"]


def test_the_real_command_line_exit_codes(school, tmp_path):
    """Through manage.py in a subprocess, on its own SQLite database: exit 1 and the problem lines, then 0."""
    env = {"DJANGO_SETTINGS_MODULE": "union_site.settings_test", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
           "DATABASE_URL": "sqlite:///" + str(tmp_path / "cli.sqlite3"), "MEDIA_ROOT": str(tmp_path / "media")}

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)

    assert manage("migrate", "-v0").returncode == 0
    assert manage("shell", "-c", "from members.models import OrgUnit; OrgUnit.objects.create(code='CLI', "
                                 "name='命令行工会', kind='grassroots')").returncode == 0
    rows = good_rows(2)
    rows[1][2] = "123"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(rows).getvalue())
    result = manage("import_roster", str(bad), "--unit", "CLI")
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["第3行 身份证号：身份证号应为18位（旧证为15位）。"]
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(good_rows(2)).getvalue())
    result = manage("import_roster", str(good), "--unit", "CLI")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 1
    listed = manage("list_units")
    assert listed.returncode == 0 and listed.stdout.splitlines() == ["CLI\t命令行工会"]
