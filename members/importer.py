"""Roster import from Excel: every row is checked first; nothing is written unless all are valid (M3, M5).

Three phases (STYLE.md §13, DESIGN.md "What the baselines taught"):

Phases 1 and 2 live in ``members.roster_sheet`` (plain Python, no database); its ``RosterFileError`` and
``RowError`` are imported here, so callers catch ``members.importer.RosterFileError``.

1. **Read** the first sheet with python-calamine (openpyxl's reader is ~10× slower), find the
   header row (the first row naming at least two known columns, Chinese or English) and map
   the columns through ``roster_layout``. Only the first (visible) sheet is read: a roster on
   another sheet, or on more than one, is an error that says so rather than a partial import.
   A large sheet is read in parts (``members.sheet_parts``): its first rows at once, the rest by a
   thread while those are checked and written.
2. **Check** every row in plain Python and collect *all* problems as (Excel row, column, message).
   Existing records come from one query by ID-number blind index and one by card number of the
   union per lot of rows — never a query per row.
3. **Write** in one transaction: new people, memberships and their "imported" history rows in
   bulk (binary COPY on PostgreSQL, ``bulk_create`` elsewhere, via ``union_site.bulk``), changed
   records with ``bulk_update`` of the changed fields only, and one audit entry with the counts.

Phases 2 and 3 run a lot of ``LOT`` rows at a time, as a pipeline (``_Run``): while Python checks lot
*k*, the server answers lot *k-1*'s look-ups and writes lot *k-2* (``union_site.bulk.Stream`` queues
them on the transaction's connection without waiting), so that the two cores work at once. The first
problem stops the writing: the transaction is rolled back and the rest of the file is only checked,
so the answer is the same as a dry run's — every problem, nothing written.

Re-importing a file changes nothing: rows match existing records by ID number (or, for a record
without one, or a row whose ID number is masked as our export writes it, by card number), and only
values that differ are written. An empty cell keeps what is on record (it never clears a field);
a column the file does not have is left alone.
"""

import gc
import json
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, FilteredRelation, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from union_site import crypto
from union_site.audit import record_audit
from union_site.bulk import Statements, insert_rows, statements_for

from .idcard import mask_id_number
from .models import Membership, MembershipEvent, OrgUnit, Person
from .roster_layout import BY_KEY, NOT_A_MEMBER
from .roster_sheet import Checker, RosterFileError, RowError, read_sheet

S = Membership.Status
E = MembershipEvent.Kind
CHUNK = 5000  # keys per IN (...) on databases without arrays
LOT = 2000  # rows checked, matched and written together; the server writes one lot while Python checks the next
PUMP_EVERY = 10  # rows checked between two looks at the connection (Stream.pump)
PROGRESS_EVERY = 5000
MAX_CHANGES_LISTED = 500
PERSON_FIELDS = ["name", "gender", "phone", "staff_no", "department", "post", "category", "contract_type",
                 "is_member_representative", "is_activist", "unit_id"]
MEMBERSHIP_FIELDS = ["card_no", "joined_on", "dues_from", "status", "retention_reason", "dues_exempt"]
ID_FIELDS = ["id_number_encrypted", "id_number_index", "id_number_masked", "birth_date"]
CURRENT_STATUSES = [s for s in S.values if s not in Membership.ENDED]
# a new status written by an import, recorded as the matching history event
STATUS_EVENT = {S.RETAINED: E.RETAINED, S.HELD: E.HELD, S.ACTIVE: E.RESTORED}


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[tuple[int, list[str]]] = field(default_factory=list)  # (row, changed columns), first 500
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return _("%(rows)s rows: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.") % {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged}

    def as_dict(self) -> dict:
        """Plain JSON for a Job's result."""
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "written": self.written, "errors": [[e.row, e.column, e.message] for e in self.errors],
                "changes": [[row, columns] for row, columns in self.changes]}


# --- phase 2b: match the rows with what is on record ----------------------------------------------


def _in(queryset, column_field: str, values: list) -> list:
    """Querysets (run them all) for the rows of ``queryset`` whose ``column_field`` (of its own model) is in ``values``.

    On PostgreSQL one query with one parameter, the values as a JSON array (not 50,000 placeholders, nor an
    array that the client quotes element by element: 0.2 s for 50,000 keys), unpacked by the server; ``<> ''``
    lets the planner use the partial unique indexes (a key is never empty). Elsewhere ``IN (...)`` in chunks.
    (``= ANY(ARRAY(…))`` probed the index faster alone, but cost the server more during an import.)
    """
    if not values:
        return []
    if connection.vendor == "postgresql":
        meta = queryset.model._meta
        column = f'"{meta.db_table}"."{meta.get_field(column_field).column}"'  # from model metadata only
        sql = f"{column} <> '' AND {column} IN (SELECT jsonb_array_elements_text(%s::jsonb))"
        return [queryset.filter(RawSQL(sql, (json.dumps(values),), output_field=BooleanField()))]  # noqa: S611
    return [queryset.filter(**{f"{column_field}__in": values[start:start + CHUNK]})
            for start in range(0, len(values), CHUNK)]


PERSON_KEYS = ["pk", "id_number_index", "id_number_masked", "unit_path", *PERSON_FIELDS]
MEMBERSHIP_KEYS = ["pk", "union_id", *MEMBERSHIP_FIELDS]


def _records(rows) -> list[dict]:
    """Plain records from ``values_list`` rows of PERSON_KEYS + MEMBERSHIP_KEYS: a person with their membership."""
    split = len(PERSON_KEYS)
    records = []
    for row in rows:
        person = dict(zip(PERSON_KEYS, row[:split], strict=True))
        person["membership"] = dict(zip(MEMBERSHIP_KEYS, row[split:], strict=True)) if row[split] else None
        records.append(person)
    return records


def _people(queryset):
    """People, each with their current membership (at most one: a database constraint)."""
    return queryset.annotate(
        cm=FilteredRelation("memberships", condition=Q(memberships__status__in=CURRENT_STATUSES))
    ).order_by().values_list("pk", "id_number_index", "id_number_masked", "unit__path", *PERSON_FIELDS, "cm__pk",
                             "cm__union_id", *(f"cm__{f}" for f in MEMBERSHIP_FIELDS))


def _card_holders(union: OrgUnit):
    """The union's memberships (current or ended), each with their person, as ``_records`` reads them."""
    return Membership.objects.filter(union=union).order_by().values_list(
        "person_id", "person__id_number_index", "person__id_number_masked", "person__unit__path",
        *(f"person__{f}" for f in PERSON_FIELDS), "pk", "union_id", *MEMBERSHIP_FIELDS)


@dataclass
class Lookups:
    """The queries that match a lot of checked rows with the records, sent (``Statements.query``) but maybe
    not yet answered: the people with the rows' ID numbers (blind indexes) anywhere in the union tree, the
    union's memberships holding the rows' card numbers, and — only for rows of a masked export — the people
    of the unit's roster by masked number. Never a query per row. A union with no card numbers on record (its
    first import) is not asked for the rows' card numbers: nothing could match them, and a card number given
    meanwhile by someone else is still refused by the unique index (``RosterFileError``: import again)."""

    by_id_index: object
    by_card: object
    by_masked: object
    masked: set[tuple[str, str]]
    unit_path: str  # the importing unit's: a person matched elsewhere in the tree is another unit's
    union_id: int


def _look_up(statements, union: OrgUnit, unit: OrgUnit, cleaned: list[dict], *, cards_on_record=True) -> Lookups:
    good = [v for v in cleaned if "_bad" not in v]
    masked = {(v["id_masked"], v.get("name")) for v in good if "id_masked" in v}
    cards = [v["card_no"] for v in good if "card_no" in v] if cards_on_record else []
    return Lookups(
        statements.query(_in(_people(Person.objects), "id_number_index", [v["id_index"] for v in good
                                                                           if "id_index" in v])),
        statements.query(_in(_card_holders(union), "card_no", cards)),
        statements.query(_in(_people(Person.objects.in_subtree(unit)), "id_number_masked",
                             sorted({number for number, _name in masked}))),
        masked, unit.path, union.pk)


def _people_by_masked_number(records: list[dict], keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """People by (masked number, name); a pair that two people share matches no one."""
    found: dict[tuple[str, str], dict | None] = {}
    for r in records:
        key = (r["id_number_masked"], r["name"])
        if key in keys:
            found[key] = None if key in found else r
    return {key: record for key, record in found.items() if record is not None}


@dataclass
class Plan:
    """What the import will do; rows are the checked values from ``Checker.check``."""

    new_people: list[dict] = field(default_factory=list)
    new_memberships: list[tuple[dict, dict]] = field(default_factory=list)  # (row, person: a new row or {"_pk"})
    person_updates: list[tuple[int, dict]] = field(default_factory=list)  # (pk, changed fields)
    membership_updates: list[tuple[int, dict, str]] = field(default_factory=list)  # (pk, changes, old status)
    cards_needed: int = 0
    errors: list[RowError] = field(default_factory=list)  # clashes with the records


def _label(labels: dict, key: str) -> str:
    return labels.get(key) or BY_KEY[key].zh


def _plan(statements, found: Lookups, cleaned: list[dict], labels: dict, result: ImportResult) -> Plan:
    """Match every row with what is on record and decide what to create and change; clashes are errors."""
    people = {r["id_number_index"]: r for r in _records(statements.rows(found.by_id_index))}
    owners = {r["membership"]["card_no"]: r for r in _records(statements.rows(found.by_card))}
    by_masked = _people_by_masked_number(_records(statements.rows(found.by_masked)), found.masked)
    id_label, card_label = _label(labels, "id_number"), _label(labels, "card_no")
    plan = Plan()
    for values in cleaned:
        if "_bad" in values:
            continue
        card = values.get("card_no")
        owner = owners.get(card) if card else None
        person = people.get(values["id_index"]) if "id_index" in values else None
        if person is None and owner is not None:
            # No one on record has this ID number, but the card exists: the same person if the row's masked
            # number is theirs (a re-imported masked export), or if their record has no ID number yet and
            # the name is the same (a mistyped card number must not overwrite somebody else's record).
            masked = values.get("id_masked")
            if masked == owner["id_number_masked"] if masked else (
                    not owner["id_number_index"] and owner["name"] == values.get("name")):
                person = owner
        if person is None and owner is None and "id_masked" in values:
            person = by_masked.get((values["id_masked"], values.get("name")))
        if person is None:
            if owner is not None:
                message = _("Card number %(no)s is already used by another person in this union.") % {"no": card}
                plan.errors.append(RowError(values["_row"], card_label, message))
            elif "id_masked" in values:
                plan.errors.append(RowError(values["_row"], id_label, _(
                    "The ID number is masked and matches no one on this roster by card number or by name: write "
                    "the full number.")))
            elif _plan_membership(values, values, plan, result, labels):
                plan.new_people.append(values)
                result.created += 1
            continue
        membership = person["membership"]
        if not person["unit_path"].startswith(found.unit_path):
            column, message = id_label, _("This person is on the roster of another unit; that unit must transfer "
                                          "them.")
        elif owner is not None and (owner["pk"] != person["pk"] or owner["membership"]["status"] in Membership.ENDED):
            column, message = card_label, _("Card number %(no)s is already used by another person in this "
                                            "union.") % {"no": card}
        elif membership is not None and membership["union_id"] != found.union_id:
            column, message = id_label, _("This person is a member of another union; transfer the membership "
                                          "instead.")
        else:
            _plan_existing(values, person, membership, plan, result, labels)
            continue
        plan.errors.append(RowError(values["_row"], column, message))
    return plan


def _plan_membership(values: dict, person: dict, plan: Plan, result: ImportResult, labels: dict) -> bool:
    """A new membership for the row (unless it says 非会员); False when the row's status cannot start one."""
    status = values.get("status", S.ACTIVE)
    if status == NOT_A_MEMBER:
        return True
    if status == S.TRANSFERRING:
        plan.errors.append(RowError(values["_row"], _label(labels, "status"), _(
            "转出中 is set by the transfer on the member's page, not by an import.")))
        return False
    if not values.get("card_no") and status != S.APPLIED:
        plan.cards_needed += 1
    plan.new_memberships.append((values, person))
    return True


def _plan_existing(values, person: dict, membership, plan: Plan, result: ImportResult, labels: dict) -> None:
    """An existing person: change what differs; add a membership if they have none and the row wants one."""
    changes = {k: values[k] for k in PERSON_FIELDS if k in values and person[k] != values[k]}
    changed = list(changes)
    if not person["id_number_index"] and "id_number" in values:  # a record without an ID number gets it
        changes["_id_number"], changes["birth_date"] = values["id_number"], values["birth_date"]
        changed.append("id_number")
    status = values.get("status")
    created = False
    if membership is None:
        if status != NOT_A_MEMBER:
            if not _plan_membership(values, {"_pk": person["pk"]}, plan, result, labels):
                return
            created = True
    elif status == NOT_A_MEMBER:
        plan.errors.append(RowError(values["_row"], _label(labels, "status"), _(
            "This person is a member: end a membership on the member's page (退会, 转出), not by an import.")))
        return
    else:
        m = {k: values[k] for k in ("card_no", "joined_on", "dues_from") if k in values}
        if status and membership["status"] != S.TRANSFERRING:  # a transfer in progress decides the status
            if status == S.TRANSFERRING:
                plan.errors.append(RowError(values["_row"], _label(labels, "status"), _(
                    "转出中 is set by the transfer on the member's page, not by an import.")))
                return
            m["status"] = status
            if status != S.RETAINED:
                m["retention_reason"] = ""
            elif "retention_reason" in values:
                m["retention_reason"] = values["retention_reason"]
            elif membership["status"] != S.RETAINED:
                m["retention_reason"] = "other"
        m_changes = {k: v for k, v in m.items() if membership[k] != v}
        if "status" in m_changes:
            m_changes["dues_exempt"] = status == S.RETAINED
            if membership["status"] == S.APPLIED and not m.get("card_no") and not membership["card_no"]:
                m_changes["card_no"] = None  # an approved application gets the next card number
                plan.cards_needed += 1
        if m_changes:
            plan.membership_updates.append((membership["pk"], m_changes, membership["status"]))
            changed += ["status" if k == "retention_reason" else k for k in m_changes if k != "dues_exempt"]
    if changes:
        plan.person_updates.append((person["pk"], changes))
    if created:
        result.created += 1
    elif changed:
        result.updated += 1
        if len(result.changes) < MAX_CHANGES_LISTED:
            result.changes.append((values["_row"], [_label(labels, "unit" if k == "unit_id" else k)
                                                    for k in dict.fromkeys(changed)]))
    else:
        result.unchanged += 1


# --- the public functions -------------------------------------------------------------------------


def preview_roster(fileobj, unit: OrgUnit, acting_user=None) -> ImportResult:
    """Check a file against the roster and say what an import would do; writes nothing."""
    return import_roster(fileobj, unit, acting_user=acting_user, dry_run=True)


class _Stop(Exception):
    """A problem was found after some rows were written: roll them back, then list every problem."""


def import_roster(fileobj, unit: OrgUnit, *, acting_user, dry_run=False, progress=None) -> ImportResult:
    """Check the whole file; unless ``dry_run`` or any row has a problem, write it in one transaction.

    ``progress(done, total)`` is called now and then while rows are checked (``Job.set_progress`` writes it on
    a connection of its own, so a page sees it while the import's transaction is open). Raises
    ``RosterFileError`` when the file as a whole is unusable.
    """
    union = unit.grassroots
    if union is None:
        raise RosterFileError(_("Import into a grassroots union or one of its branches, not a higher-level union."))
    with _without_cycle_collection():
        sheet = read_sheet(fileobj)
        try:
            return _import(sheet, union, unit, acting_user, dry_run, progress)
        finally:
            sheet.close()


@contextmanager
def _without_cycle_collection():
    """The import makes a few dicts per row and keeps them to the end: the cycle collector would walk them again
    and again (0.2–0.25 s of 50,000 rows, holding the interpreter lock) and find nothing to free — the rows hold
    no cycles. Reference counting still frees what is let go; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(sheet, union: OrgUnit, unit: OrgUnit, acting_user, dry_run: bool, progress) -> ImportResult:
    run = _Run(union, unit, sheet, acting_user, progress)
    if not dry_run:
        try:
            with transaction.atomic():
                # one import at a time per union, as card numbers are issued (services.next_card_no does the same)
                OrgUnit.objects.select_for_update().filter(pk=union.pk).first()
                with (connection.cursor() as cursor, _constraints_checked_per_statement(cursor),
                      statements_for(connection) as stream):
                    if not run.go(stream, write=True):
                        raise _Stop
                run.write_rest()
                run.result.written = True
                record_audit(unit, "members.roster.imported", acting_user, {
                    "union": union.code, "rows": run.result.rows, "created": run.result.created,
                    "updated": run.result.updated, "unchanged": run.result.unchanged})
        except _Stop:
            pass
        except IntegrityError as exc:  # someone changed the roster between the check and the write
            raise RosterFileError(_("The roster changed while the file was being imported; please import it "
                                    "again.")) from exc
    if not run.result.written:  # a dry run, or a problem: check and match the rest, to list every problem at once
        with statements_for(connection) as stream:
            run.go(stream, write=False)
    run.finish()
    if progress and run.result.written:
        progress(run.total(), run.total())
    return run.result


@contextmanager
def _constraints_checked_per_statement(cursor):
    """Declared foreign keys checked at the end of each COPY (PostgreSQL), while Python checks the next rows, rather
    than all at the commit, when nothing else is left to do; Django's constraints are deferred again afterwards.
    (The roster's own keys — unit, person, union, membership, actor — are checked per statement by triggers in
    any case: members migration 0010.)"""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


DUPLICATE_KEYS = [
    ("id_index", "id_number", gettext_lazy("The same ID number is also on row %(other)s.")),
    ("id_masked", "id_number", gettext_lazy("The same ID number is also on row %(other)s.")),
    ("card_no", "card_no", gettext_lazy("The same card number is also on row %(other)s.")),
]


class _Run:
    """One import's work on the file's rows, a lot at a time: check, look up, plan, write.

    The lots go through a pipeline, so that neither side waits for the other: while Python checks lot *k*,
    the server answers lot *k*'s predecessor's look-ups and writes the lot before that (``union_site.bulk.Stream``
    queues both). A lot is written only while no problem has been found in it or before it; the first
    problem stops the writing (``go`` returns False, the caller rolls back) and the rest is only checked.
    """

    def __init__(self, union: OrgUnit, unit: OrgUnit, sheet, acting_user, progress):
        self.union, self.unit, self.labels, self.progress = union, unit, sheet.labels, progress
        self.sheet = sheet
        self.result = ImportResult()
        subtree = list(OrgUnit.objects.descendants_of(unit).only("pk", "code", "name"))
        names = [u.name for u in subtree]
        units = {u.name: u for u in subtree if names.count(u.name) == 1}  # a unit by its name, if that is unique
        units.update({u.code: u for u in subtree} | {u.code.upper(): u for u in subtree})
        self.checker = Checker(sheet.columns, sheet.labels, units, timezone.localdate())
        self.lots = sheet.lots(LOT)  # a large sheet's later rows are read while the first are checked
        self.checked = 0
        self.check_errors: list[RowError] = []
        self.duplicate_errors: list[tuple[int, int, RowError]] = []  # (row, which key, error)
        self.plan_errors: list[RowError] = []
        self.first_row: list[dict] = [{} for _key in DUPLICATE_KEYS]  # value → the first row that has it
        self.unplanned: list[list[dict]] = []  # lots checked, not yet matched with the records
        self.rest = Plan()  # changes to records, written after the last lot
        self.next_card = None  # issues card numbers, once one is needed
        self.cards_on_record = True  # whether the union has card numbers to match (asked by ``go``)
        self.now = timezone.now()
        self.actor_id = acting_user.pk if acting_user is not None and acting_user.is_authenticated else None

    def total(self) -> int:
        """The progress bar's whole: the rows (an estimate while a large sheet is still being read), and the
        write, which counts for a quarter."""
        return self.sheet.expected_rows * 5 // 4 + 1

    @property
    def failed(self) -> bool:
        return bool(self.check_errors or self.duplicate_errors or self.plan_errors)

    def go(self, statements, *, write: bool) -> bool:
        """Take the remaining lots through; with ``write``, stop at the first problem (False)."""
        self.cards_on_record = Membership.objects.filter(union=self.union).exclude(card_no="").exists()
        self.sheet.waiting = statements.pump  # while the next part is read, the server goes on with the queue
        try:
            return self._go(statements, write=write)
        finally:
            self.sheet.waiting = None

    def _go(self, statements, *, write: bool) -> bool:
        looked_up = deque((cleaned, self._look_up(statements, cleaned)) for cleaned in self.unplanned)
        planned: deque[Plan] = deque()
        while True:
            lot = next(self.lots, None)
            if lot is not None:
                cleaned = self._check(lot, statements)
                self.unplanned.append(cleaned)
                looked_up.append((cleaned, self._look_up(statements, cleaned)))
            # match the lots whose look-ups went out before this lot was checked: their rows have come back
            while len(looked_up) > (1 if lot is not None else 0):
                cleaned, found = looked_up.popleft()
                plan = _plan(statements, found, cleaned, self.labels, self.result)
                self.unplanned.remove(cleaned)
                self.plan_errors += plan.errors
                self.rest.cards_needed += plan.cards_needed
                if write and not self.failed:
                    # ids are taken now and used a lot later, so that the COPYs never wait for them
                    statements.prefetch_ids((Person, len(plan.new_people)), (Membership, len(plan.new_memberships)),
                                            (MembershipEvent, len(plan.new_memberships)))
                    planned.append(plan)
            if write and self.failed:
                return False
            while len(planned) > (1 if lot is not None else 0):
                self._write(statements, planned.popleft())
            if lot is None:
                self.result.rows = len(self.sheet.rows)
                return True

    def _look_up(self, statements, cleaned: list[dict]) -> Lookups:
        return _look_up(statements, self.union, self.unit, cleaned, cards_on_record=self.cards_on_record)

    def _check(self, lot, statements) -> list[dict]:
        check, errors, blind_index, pump = self.checker.check, self.check_errors, crypto.blind_index, statements.pump
        cleaned = []
        for number, row in lot:
            before = len(errors)
            values = check(number, row, errors)
            if "id_number" in values:
                values["id_index"] = blind_index(values["id_number"])
            if len(errors) != before:
                values["_bad"] = True  # not matched with the records: its problems are listed already
            self._find_duplicates(values)
            cleaned.append(values)
            self.checked += 1
            if self.checked % PUMP_EVERY == 0:
                pump()  # send the server what it can take and collect what it has done
            if self.progress and self.checked % PROGRESS_EVERY == 0:
                self.progress(self.checked, self.total())
        return cleaned

    def _find_duplicates(self, values: dict) -> None:
        """The same ID number or card number on two rows: reported on both."""
        for which, (key, column, message) in enumerate(DUPLICATE_KEYS):
            value = values.get(key)
            if value is None:
                continue
            if key == "id_masked":  # people of one area may share first 6 + last 4: a masked row is its name too
                value = (value, values.get("name"))
            first_rows = self.first_row[which]
            other = first_rows.setdefault(value, values["_row"])
            if other == values["_row"]:
                continue
            label = self.labels[column]
            self.duplicate_errors.append((values["_row"], which, RowError(values["_row"], label,
                                                                          message % {"other": other})))
            if other > 0:  # reported on the first row once
                self.duplicate_errors.append((other, which, RowError(other, label, message % {"other": values["_row"]})))
                first_rows[value] = -other

    def _write(self, statements, plan: Plan) -> None:
        """A lot's new people and memberships now; changed records after the last lot (``write_rest``)."""
        self.rest.person_updates += plan.person_updates
        self.rest.membership_updates += plan.membership_updates
        _write_new(statements, plan, self.union, self.unit, self.actor_id, self.now, self._next_card(statements, plan))

    def _next_card(self, statements, plan: Plan):
        if plan.cards_needed and self.next_card is None:
            self.next_card = _card_counter(statements, self.union, self.checker.card_numbers(self.sheet.all_rows()))
        return self.next_card

    def write_rest(self) -> None:
        """After the last lot: the changed records (an approved application may take the next card number)."""
        next_card = self._next_card(Statements(connection), self.rest)
        _write_changes(self.rest, self.actor_id, self.now, next_card)

    def finish(self) -> None:
        """Every problem, by row; a row's own in column order, then its duplicates, then its clashes."""
        duplicates = [error for _row, _which, error in sorted(self.duplicate_errors, key=lambda d: d[:2])]
        self.result.errors = sorted(self.check_errors + duplicates + self.plan_errors, key=lambda e: e.row)


# --- phase 3: write -------------------------------------------------------------------------------

NEW_PERSON_FIELDS = ["unit_id", "name", "gender", "id_number_encrypted", "id_number_index", "id_number_masked",
                     "birth_date", "phone", "staff_no", "department", "post", "category", "contract_type",
                     "is_member_representative", "is_activist", "created_at", "updated_at"]
NEW_MEMBERSHIP_FIELDS = ["person_id", "union_id", "status", "retention_reason", "card_no", "joined_on", "dues_from",
                         "dues_exempt", "applied_at", "updated_at"]
EVENT_FIELDS = ["membership_id", "kind", "from_status", "to_status", "actor_id", "created_at"]


def _write_new(statements, plan: Plan, union: OrgUnit, unit: OrgUnit, actor_id, now, next_card) -> None:
    """New people, new memberships and their "imported" history rows: a binary COPY each on PostgreSQL (no model
    instances or dicts for 50,000 rows; ``Statements.copy``)."""
    encrypt = crypto.encrypt

    def people():
        for v in plan.new_people:
            number, get = v["id_number"], v.get
            yield (get("unit_id", unit.pk), v["name"], get("gender") or get("gender_from_id", ""), encrypt(number),
                   v["id_index"], mask_id_number(number), v["birth_date"], get("phone", ""), get("staff_no", ""),
                   get("department", ""), get("post", ""), get("category", Person.Category.OTHER),
                   get("contract_type", Person.ContractType.REGULAR), get("is_member_representative", False),
                   get("is_activist", False), now, now)

    ids = statements.copy(Person, NEW_PERSON_FIELDS, people(), len(plan.new_people))
    for v, pk in zip(plan.new_people, ids, strict=True):
        v["_pk"] = pk
    statuses = [v.get("status", S.ACTIVE) for v, _person in plan.new_memberships]

    def memberships():
        for (v, person), status in zip(plan.new_memberships, statuses, strict=True):
            card = v.get("card_no") or (next_card() if status != S.APPLIED else "")
            reason = v.get("retention_reason", "other") if status == S.RETAINED else ""
            yield (person["_pk"], union.pk, status, reason, card, v.get("joined_on"), v.get("dues_from"),
                   status == S.RETAINED, now, now)

    ids = statements.copy(Membership, NEW_MEMBERSHIP_FIELDS, memberships(), len(statuses))
    events = ((pk, E.IMPORTED, "", status, actor_id, now) for pk, status in zip(ids, statuses, strict=True))
    statements.copy(MembershipEvent, EVENT_FIELDS, events, len(ids))


def _write_changes(plan: Plan, actor_id, now, next_card) -> None:
    """Changed people and memberships (``bulk_update`` of the changed fields only) and their history rows."""
    encrypt = crypto.encrypt
    for fields, objs in _grouped(plan.person_updates, Person).items():
        for obj in objs:
            if number := obj.__dict__.pop("_id_number", None):
                obj.id_number_encrypted, obj.id_number_index = encrypt(number), crypto.blind_index(number)
                obj.id_number_masked = mask_id_number(number)
            obj.updated_at = now
        if "_id_number" in fields:
            fields = [f for f in fields if f != "_id_number"] + ID_FIELDS[:3]
        Person.objects.bulk_update(objs, [*fields, "updated_at"], batch_size=2000)

    for fields, objs in _grouped([(pk, changes) for pk, changes, _old in plan.membership_updates],
                                 Membership).items():
        for obj in objs:
            if "card_no" in fields and obj.card_no is None:
                obj.card_no = next_card()
            obj.updated_at = now
        Membership.objects.bulk_update(objs, [*fields, "updated_at"], batch_size=2000)
    corrections = []
    for pk, changes, old in plan.membership_updates:
        new = changes.get("status", old)
        kind = (E.CORRECTED if new == old else E.APPROVED if old == S.APPLIED
                else STATUS_EVENT.get(new, E.CORRECTED))
        corrections.append({"membership_id": pk, "kind": kind, "from_status": old, "to_status": new,
                            "actor_id": actor_id, "created_at": now,
                            "data": {"source": "import", "fields": sorted(changes)}})
    insert_rows(MembershipEvent, corrections)


def _grouped(updates, model) -> dict[tuple, list]:
    """Unsaved instances carrying only the changed values, grouped by which fields changed (one UPDATE each)."""
    groups: dict[tuple, list] = {}
    for pk, changes in updates:
        obj = model(pk=pk)
        obj.__dict__.update(changes)
        groups.setdefault(tuple(sorted(changes)), []).append(obj)
    return groups


def _card_counter(statements, union: OrgUnit, cards_in_file: list[str]):
    """Issue card numbers for rows without one, continuing the union's running number (as services.next_card_no)
    past every number on record and in the file (rows further down the file may give theirs)."""
    prefix = f"{union.code}-"
    on_record = Membership.objects.filter(union=union, card_no__startswith=prefix).order_by().values_list("card_no")
    used = {card for (card,) in statements.rows(statements.query([on_record]))}
    used.update(cards_in_file)
    highest = max((int(n[len(prefix):]) for n in used if n.startswith(prefix) and n[len(prefix):].isdigit()),
                  default=0)

    def next_card():
        nonlocal highest
        highest += 1
        return f"{prefix}{highest:06d}"

    return next_card
