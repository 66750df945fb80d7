"""Roster export to .xlsx in the layout the importer reads (``roster_layout``), streamed row by row.

ID numbers are masked (first 6 + last 4) unless the caller passes ``full_id=True``, which it may
only do for a user holding ``members.view_full_id_number``; a full export is audited (PI10, §6.3).
Every cell goes through ``union_site.excel``'s safe writer (no formula injection; ID, phone and
card numbers as text cells). Rows come from ``values_list(...).iterator(chunk_size=2000)`` over
one query with the current membership joined in, so 100,000 rows need neither 100,000 model
instances nor more memory than a chunk.
"""

from django.db.models import FilteredRelation, Q

from union_site import crypto
from union_site.audit import record_audit
from union_site.excel import write_xlsx, xlsx_response

from .models import Membership
from .roster_layout import (
    COLUMNS,
    EXPORT_CATEGORY,
    EXPORT_CONTRACT,
    EXPORT_GENDER,
    EXPORT_RETENTION,
    EXPORT_STATUS,
)

HEADERS = [c.zh for c in COLUMNS]
TEXT_COLUMNS = [i for i, c in enumerate(COLUMNS) if c.text]
WIDTHS = [c.width for c in COLUMNS]
SHEET_TITLE = "花名册"
# the membership a roster row shows: the current one, or a pending application
SHOWN_STATUSES = [s for s in Membership.Status.values if s not in Membership.ENDED]
FIELDS = ["name", "gender", "id_number_masked", "id_number_encrypted", "phone", "staff_no", "unit__code",
          "department", "post", "category", "contract_type", "cm__card_no", "cm__joined_on", "cm__dues_from",
          "cm__status", "cm__retention_reason", "is_member_representative", "is_activist"]


def with_membership(queryset):
    """``queryset`` of people with their current membership joined in as ``cm`` (unless it already is)."""
    if "cm" in queryset.query._filtered_relations:  # e.g. members.views.roster_queryset
        return queryset
    return queryset.annotate(cm=FilteredRelation("memberships", condition=Q(memberships__status__in=SHOWN_STATUSES)))


def _status(status, reason) -> str:
    label = EXPORT_STATUS.get(status, "")
    if status == Membership.Status.RETAINED and reason:
        return f"{label}({EXPORT_RETENTION.get(reason, '其他')})"
    return label


def roster_rows(queryset, *, full_id: bool):
    """One list per person in the layout's column order. ``full_id`` decrypts the ID numbers: only for a
    user with ``members.view_full_id_number``, and the caller audits it (``export_roster_xlsx`` does)."""
    decrypt = crypto.decrypt
    for (name, gender, masked, encrypted, phone, staff_no, unit_code, department, post, category, contract, card,
         joined, dues_from, status, reason, representative, activist) in (
            with_membership(queryset).values_list(*FIELDS).iterator(chunk_size=2000)):
        yield [
            name, EXPORT_GENDER.get(gender, ""), decrypt(encrypted) if full_id and encrypted else masked, phone,
            staff_no, unit_code, department, post, EXPORT_CATEGORY.get(category, ""),
            EXPORT_CONTRACT.get(contract, ""), card or "", joined, dues_from.strftime("%Y-%m") if dues_from else "",
            _status(status, reason), "是" if representative else "否", "是" if activist else "否",
        ]


class _Counter:
    """Counts the rows as they stream past (for the audit entry)."""

    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _audit_full_ids(acting_user, count: int, context: dict | None) -> None:
    record_audit(None, "members.roster.exported_full_ids", acting_user, {"rows": count, **(context or {})})


def export_roster_xlsx(queryset, fileobj, *, full_id=False, acting_user=None, audit_context=None,
                       sheet_title=SHEET_TITLE) -> int:
    """Write the people of ``queryset`` as .xlsx to ``fileobj``; return the number of rows."""
    count = write_xlsx(fileobj, HEADERS, roster_rows(queryset, full_id=full_id), sheet_title=sheet_title,
                       text_columns=TEXT_COLUMNS, widths=WIDTHS)
    if full_id:
        _audit_full_ids(acting_user, count, audit_context)
    return count


def roster_response(queryset, filename: str, *, full_id=False, acting_user=None, audit_context=None,
                    sheet_title=SHEET_TITLE):
    """The same file as a download (built in a spooled temporary file: memory stays bounded)."""
    rows = _Counter(roster_rows(queryset, full_id=full_id))
    response = xlsx_response(filename, HEADERS, rows, sheet_title=sheet_title, text_columns=TEXT_COLUMNS,
                             widths=WIDTHS)
    if full_id:
        _audit_full_ids(acting_user, rows.count, audit_context)
    return response
