"""Roster import from Excel: validate every row first, write nothing unless all are valid (rules M3, M5).

Reading uses python-calamine (openpyxl's reader is ~10× slower, DESIGN.md); validation
is plain Python with set lookups against a few queries for existing keys (never one
query per row); the write is one transaction with bulk inserts and updates.
Re-importing the same file changes nothing: rows match existing records by ID number
(blind index) or card number, and only fields that differ are updated.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from union_site import crypto
from union_site.audit import record_audit
from union_site.bulk import insert_rows
from union_site.excel import FORMULA_START

from .idcard import mask_id_number, parse_id_number
from .models import Membership, MembershipEvent, OrgUnit, Person
from .roster_layout import (
    BY_KEY,
    CATEGORY_LABELS,
    COLUMNS,
    CONTRACT_LABELS,
    GENDER_LABELS,
    LABEL_TO_KEY,
    NO,
    RETENTION_LABELS,
    STATUS_LABELS,
    YES,
    normalise_label,
)

CHUNK = 5000
COLUMN_LABELS = {c.key: c.zh for c in COLUMNS}
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
EXCEL_EPOCH = datetime.date(1899, 12, 30)
PERSON_FIELDS = ["name", "gender", "phone", "staff_no", "department", "post", "category", "contract_type",
                 "is_member_representative", "is_activist", "unit_id"]
MEMBERSHIP_FIELDS = ["card_no", "joined_on", "dues_from", "status", "retention_reason", "dues_exempt"]


class RosterFileError(Exception):
    """The file as a whole cannot be read (not Excel, no header row, missing columns)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("Row %(row)s %(column)s: %(message)s") % {"row": self.row, "column": self.column,
                                                          "message": self.message}


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return _("%(rows)s rows: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.") % {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def read_rows(fileobj) -> tuple[list[str], list[tuple[int, list]]]:
    """The header keys and the data rows (with their Excel row numbers) of the first sheet."""
    from python_calamine import CalamineWorkbook

    try:
        if hasattr(fileobj, "seek"):
            fileobj.seek(0)
        workbook = (CalamineWorkbook.from_path(str(fileobj)) if isinstance(fileobj, str | bytes) or hasattr(
            fileobj, "__fspath__") else CalamineWorkbook.from_filelike(fileobj))
        sheet = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several types for a broken or non-Excel file
        raise RosterFileError(_("The file could not be read as an Excel workbook (.xlsx, .xls or .ods).")) from exc
    for index, row in enumerate(sheet[:20]):
        keys = [LABEL_TO_KEY.get(normalise_label(cell)) for cell in row]
        if sum(1 for k in keys if k) >= 2:
            missing = [BY_KEY[c.key].zh for c in COLUMNS if c.required and c.key not in keys]
            if missing:
                raise RosterFileError(_("Required columns are missing: %(cols)s.") % {"cols": "、".join(missing)})
            first = index + 2  # Excel's row number of the first data row
            return keys, [(first + n, r) for n, r in enumerate(sheet[index + 1:])
                          if any(r) and "".join(map(str, r)).strip()]  # skip empty and blank rows
    raise RosterFileError(_("No header row was found: the first rows must name the columns, e.g. 姓名, 身份证号."))


# full-width ASCII (！…～) and the ideographic space to their half-width forms
HALF_WIDTH = {0x3000: " ", **{c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}}


def _text(value) -> str:
    if value is None:
        return ""
    if type(value) is float and value.is_integer():
        value = int(value)
    text = value if type(value) is str else str(value)
    if not text.isascii():
        text = text.translate(HALF_WIDTH)
    if text[:1] == "'" and text[1:2] in FORMULA_START:  # our export's defused formula: the value itself
        text = text[1:]
    return text.strip()


def parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial day number
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        value = str(int(value))
    text = _text(value)
    if m := DATE_RE.match(text):
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    if len(text) == 8 and text.isdigit():
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    raise ValueError


def parse_month(value) -> datetime.date:
    text = _text(value) if not isinstance(value, datetime.date | int | float) else ""
    if text and (m := MONTH_RE.match(text)):
        return datetime.date(int(m[1]), int(m[2]), 1)
    return parse_date(value).replace(day=1)


def _flag(value, errors, column):
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    errors.append((column, _("Write 是 or 否.")))
    return False


def validate_row(cells: dict, units: dict, default_unit: OrgUnit, today: datetime.date):
    """One row → (cleaned values, [(column label, message)])."""
    errors: list[tuple[str, str]] = []
    col = COLUMN_LABELS
    out: dict = {}
    out["name"] = _text(cells.get("name"))
    if not out["name"]:
        errors.append((col["name"], _("The name is empty.")))
    elif len(out["name"]) > 50:
        errors.append((col["name"], _("The name is longer than 50 characters.")))
    raw_id = cells.get("id_number")
    if isinstance(raw_id, float | int) and not isinstance(raw_id, bool) and len(str(int(raw_id))) > 15:
        errors.append((col["id_number"], _("The ID number was stored as a number and has lost digits: format the "
                                           "column as text and type it again.")))
        parsed = None
    else:
        try:
            parsed = parse_id_number(_text(raw_id))
        except ValueError as exc:
            errors.append((col["id_number"], str(exc)))
            parsed = None
    if parsed:
        out["id_number"] = parsed.value
        out["birth_date"] = parsed.birth_date
    gender_text = _text(cells.get("gender")).lower()
    if gender_text:
        gender = GENDER_LABELS.get(gender_text)
        if gender is None:
            errors.append((col["gender"], _("Write 男 or 女.")))
        elif parsed and gender != parsed.gender:
            errors.append((col["gender"], _("The gender does not match the ID number.")))
        out["gender"] = gender or (parsed.gender if parsed else "")
    else:
        out["gender"] = parsed.gender if parsed else ""
    phone = _text(cells.get("phone")).replace(" ", "").replace("-", "")
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
        errors.append((col["phone"], _("The phone number may contain digits only.")))
    out["phone"] = phone
    out["staff_no"] = _text(cells.get("staff_no"))[:32]
    code = _text(cells.get("unit"))
    if code:
        unit = units.get(code)
        if unit is None:
            errors.append((col["unit"], _("Unit code %(code)s is not this union or one of its units.") % {"code": code}))
    else:
        unit = default_unit
    out["unit"] = unit
    out["department"] = _text(cells.get("department"))[:100]
    out["post"] = _text(cells.get("post"))[:100]
    category = _text(cells.get("category"))
    out["category"] = CATEGORY_LABELS.get(category, category.lower() if category else "other")
    if out["category"] not in {"teacher", "frontline", "management", "support", "other"}:
        errors.append((col["category"], _("Unknown staff category: use 教师, 一线, 管理, 后勤 or 其他.")))
    contract = _text(cells.get("contract_type"))
    out["contract_type"] = CONTRACT_LABELS.get(contract, contract.lower() if contract else "regular")
    if out["contract_type"] not in {"regular", "dispatched", "contract"}:
        errors.append((col["contract_type"], _("Unknown contract type: use 正式, 劳务派遣 or 合同制.")))
    out["card_no"] = _text(cells.get("card_no"))[:40]
    for key, parser in (("joined_on", parse_date), ("dues_from", parse_month)):
        value = cells.get(key)
        if value in (None, ""):
            out[key] = None
            continue
        try:
            out[key] = parser(value)
        except (ValueError, TypeError):
            errors.append((col[key], _("Not a date: write it like 2024-03-05, 2024/3/5, 2024.3.5 or 2024年3月5日.")))
            out[key] = None
            continue
        if out[key] > today:
            errors.append((col[key], _("The date is in the future.")))
    status_text = _text(cells.get("status")) or "在籍"
    base, _sep, reason = status_text.replace("（", "(").replace("）", ")").partition("(")
    status = STATUS_LABELS.get(base.strip(), base.strip().lower())
    if status not in {"active", "retained", "held", "applied"}:
        errors.append((col["status"], _("Only current members are imported: use 在籍, 保留会籍(退休), 暂存 or 申请中.")))
    out["status"] = status
    out["retention_reason"] = RETENTION_LABELS.get(reason.rstrip(")").strip(), "other") if status == "retained" else ""
    out["dues_exempt"] = status == "retained"
    out["is_member_representative"] = _flag(cells.get("is_member_representative"), errors, col["is_member_representative"])
    out["is_activist"] = _flag(cells.get("is_activist"), errors, col["is_activist"])
    return out, errors


def _in(qs, field: str, values: list):
    """``field IN values`` — as ``= ANY(array)`` on PostgreSQL (one parameter, not thousands), chunked elsewhere."""
    if connection.vendor == "postgresql":
        column = f'"{qs.model._meta.db_table}"."{qs.model._meta.get_field(field).column}"'  # model metadata only
        yield from qs.filter(RawSQL(f"{column} = ANY(%s)", (values,), output_field=BooleanField()))  # noqa: S611
        return
    for start in range(0, len(values), CHUNK):
        yield from qs.filter(**{f"{field}__in": values[start:start + CHUNK]})


def _existing(union: OrgUnit, indexes: list[str], cards: list[str]):
    people = {p.id_number_index: p for p in _in(Person.objects.all(), "id_number_index", indexes)}
    memberships_by_person = {
        m.person_id: m for m in _in(Membership.objects.current(), "person", [p.pk for p in people.values()])
    }
    card_owner = {
        m.card_no: m for m in _in(Membership.objects.filter(union=union).select_related("person"), "card_no", cards)
    }
    return people, memberships_by_person, card_owner


def _validate(fileobj, unit: OrgUnit):
    keys, rows = read_rows(fileobj)
    union = unit.grassroots
    if union is None:
        raise RosterFileError(_("Import into a grassroots union or one of its branches, not a higher-level union."))
    units = {u.code: u for u in OrgUnit.objects.descendants_of(union).only("pk", "code", "path", "kind")}
    today = timezone.localdate()
    result = ImportResult(rows=len(rows))
    cleaned = []
    for number, row in rows:
        cells = {k: row[i] for i, k in enumerate(keys) if k and i < len(row)}
        values, errors = validate_row(cells, units, unit, today)
        result.errors.extend(RowError(number, column, message) for column, message in errors)
        values["_row"] = number
        if "id_number" in values:
            values["id_index"] = crypto.blind_index(values["id_number"])
        cleaned.append(values)
    # duplicates inside the file
    for key, label, message in (("id_index", BY_KEY["id_number"].zh, _("The same ID number is also on row %(other)s.")),
                                ("card_no", BY_KEY["card_no"].zh, _("The same card number is also on row %(other)s."))):
        seen: dict[str, int] = {}
        for values in cleaned:
            value = values.get(key)
            if not value:
                continue
            if value in seen:
                result.errors.append(RowError(values["_row"], label, message % {"other": seen[value]}))
                result.errors.append(RowError(seen[value], label, message % {"other": values["_row"]}))
            else:
                seen[value] = values["_row"]
    return union, cleaned, result


def _plan(union, cleaned, result):
    """Match rows to existing records and decide what to create and update (clashes become errors)."""
    people, memberships, card_owner = _existing(
        union, [v["id_index"] for v in cleaned if v.get("id_index")], [v["card_no"] for v in cleaned if v.get("card_no")]
    )
    plan = []
    for values in cleaned:
        person = people.get(values.get("id_index"))
        if person is None and values.get("card_no") in card_owner:
            owner = card_owner[values["card_no"]]
            result.errors.append(RowError(values["_row"], BY_KEY["card_no"].zh,
                                          _("Card number %(no)s belongs to %(name)s, whose ID number differs.")
                                          % {"no": values["card_no"], "name": owner.person.name}))
            continue
        membership = memberships.get(person.pk) if person else None
        if membership is not None and membership.union_id != union.pk:
            result.errors.append(RowError(values["_row"], BY_KEY["id_number"].zh,
                                          _("This person is a member of another union; transfer the membership instead.")))
            continue
        if values.get("card_no") in card_owner and person is not None and card_owner[values["card_no"]].person_id != person.pk:
            result.errors.append(RowError(values["_row"], BY_KEY["card_no"].zh,
                                          _("Card number %(no)s belongs to %(name)s.")
                                          % {"no": values["card_no"], "name": card_owner[values["card_no"]].person.name}))
            continue
        plan.append((values, person, membership))
    return plan


def preview_roster(fileobj, unit: OrgUnit) -> ImportResult:
    return import_roster(fileobj, unit, acting_user=None, dry_run=True)


def import_roster(fileobj, unit: OrgUnit, *, acting_user, dry_run=False, progress=None) -> ImportResult:
    """Validate the whole file; unless ``dry_run`` or any error, write it in one transaction."""
    union, cleaned, result = _validate(fileobj, unit)
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, e.column))
        return result
    with transaction.atomic():
        plan = _plan(union, cleaned, result)
        if result.errors:
            result.errors.sort(key=lambda e: (e.row, e.column))
            return result
        new_people, new_memberships, changed_people, changed_memberships, events = [], [], [], [], []
        next_card = _card_counter(union, [v.get("card_no") for v, _p, _m in plan])
        now = timezone.now()
        actor_id = acting_user.pk if acting_user is not None and acting_user.is_authenticated else None
        for values, person, membership in plan:
            person_values = {k: values[k] for k in PERSON_FIELDS if k in values and k != "unit_id"}
            person_values["unit_id"] = values["unit"].pk
            person_changed = False
            if person is None:
                person = {  # a new person: a plain row, written by COPY (union_site.bulk.insert_rows)
                    **person_values,
                    "birth_date": values["birth_date"],
                    "id_number_encrypted": crypto.encrypt(values["id_number"]),
                    "id_number_index": values["id_index"],
                    "id_number_masked": mask_id_number(values["id_number"]),
                    "created_at": now,
                    "updated_at": now,
                }
                new_people.append(person)
            else:
                diff = [k for k, v in person_values.items() if getattr(person, k) != v]
                if diff:
                    for k in diff:
                        setattr(person, k, person_values[k])
                    person.updated_at = now
                    changed_people.append(person)
                    person_changed = True
            m_values = {k: values[k] for k in MEMBERSHIP_FIELDS}
            if membership is None:
                m_values["card_no"] = m_values["card_no"] or next_card()
                new_memberships.append((person, m_values))
                result.created += 1
                continue
            m_values = {k: v for k, v in m_values.items() if v not in (None, "") or k == "retention_reason"}
            if not m_values.get("card_no"):
                m_values.pop("card_no", None)
            if membership.status == Membership.Status.TRANSFERRING:  # a transfer in progress decides the status
                for k in ("status", "retention_reason", "dues_exempt"):
                    m_values.pop(k, None)
            diff = [k for k, v in m_values.items() if getattr(membership, k) != v]
            if diff:
                before = membership.status
                for k in diff:
                    setattr(membership, k, m_values[k])
                changed_memberships.append(membership)
                events.append({"membership_id": membership.pk, "kind": MembershipEvent.Kind.CORRECTED,
                               "from_status": before, "to_status": membership.status, "actor_id": actor_id,
                               "created_at": now, "data": {"fields": diff, "source": "import"}})
            if diff or person_changed:
                result.updated += 1
            else:
                result.unchanged += 1
        if dry_run:
            transaction.set_rollback(True)
            return result
        for person, pk in zip(new_people, insert_rows(Person, new_people), strict=True):
            person["id"] = pk
        if changed_people:
            Person.objects.bulk_update(changed_people, PERSON_FIELDS + ["updated_at"], batch_size=2000)
        membership_rows = [
            {"person_id": p["id"] if isinstance(p, dict) else p.pk, "union_id": union.pk, "applied_at": now,
             "updated_at": now, **v}
            for p, v in new_memberships
        ]
        membership_ids = insert_rows(Membership, membership_rows)
        if changed_memberships:
            Membership.objects.bulk_update(changed_memberships, MEMBERSHIP_FIELDS, batch_size=2000)
        insert_rows(MembershipEvent, events)
        _record_imported(membership_ids, actor_id, now)
        record_audit(union, "members.roster.imported", acting_user,
                     {"rows": result.rows, "created": result.created, "updated": result.updated})
        result.written = True
    if progress:
        progress(result.rows, result.rows)
    return result


def _record_imported(membership_ids: list[int], actor_id, now) -> None:
    """One 'imported' history event per new membership; on PostgreSQL in one INSERT … SELECT."""
    if not membership_ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO members_membershipevent (membership_id, kind, from_status, to_status, actor_id, "
                "created_at, note, data) SELECT id, %s, '', status, %s, %s, '', '{}'::jsonb "
                "FROM members_membership WHERE id = ANY(%s)",
                [MembershipEvent.Kind.IMPORTED, actor_id, now, membership_ids],
            )
        return
    statuses = dict(Membership.objects.filter(pk__in=membership_ids).values_list("pk", "status"))
    insert_rows(MembershipEvent, [
        {"membership_id": pk, "kind": MembershipEvent.Kind.IMPORTED, "from_status": "", "to_status": statuses[pk],
         "actor_id": actor_id, "created_at": now, "note": "", "data": {}} for pk in membership_ids
    ])


def _card_counter(union: OrgUnit, given):
    """Issue card numbers for rows without one, continuing the union's running number."""
    OrgUnit.objects.select_for_update().filter(pk=union.pk).first()
    prefix = f"{union.code}-"
    used = set(Membership.objects.filter(union=union, card_no__startswith=prefix).values_list("card_no", flat=True))
    used.update(c for c in given if c)
    highest = max((int(n[len(prefix):]) for n in used if n.startswith(prefix) and n[len(prefix):].isdigit()), default=0)

    def next_card():
        nonlocal highest
        highest += 1
        return f"{prefix}{highest:06d}"

    return next_card
