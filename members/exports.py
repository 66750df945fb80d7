"""Roster export in the layout the importer reads; ID numbers masked unless the user may see them."""

from union_site import crypto
from union_site.audit import record_audit
from union_site.excel import write_xlsx

from .roster_layout import COLUMNS, EXPORT_CATEGORY, EXPORT_CONTRACT, EXPORT_RETENTION, EXPORT_STATUS

HEADERS = [c.zh for c in COLUMNS]
TEXT_COLUMNS = [i for i, c in enumerate(COLUMNS) if c.text]
WIDTHS = [c.width for c in COLUMNS]


def _status(status, reason):
    label = EXPORT_STATUS.get(status or "", "")
    return f"{label}({EXPORT_RETENTION.get(reason, '其他')})" if status == "retained" else label


def roster_rows(queryset, *, full_id: bool):
    """Rows of people (with their current membership, see members.views.roster_queryset) in layout order."""
    fields = ["name", "gender", "id_number_masked", "id_number_encrypted", "phone", "staff_no", "unit__code",
              "department", "post", "category", "contract_type", "cm__card_no", "cm__joined_on", "cm__dues_from",
              "cm__status", "cm__retention_reason", "is_member_representative", "is_activist"]
    for r in queryset.values_list(*fields).iterator(chunk_size=2000):
        (name, gender, masked, encrypted, phone, staff_no, unit, dept, post, category, contract, card, joined,
         dues_from, status, reason, rep, activist) = r
        yield [
            name, {"M": "男", "F": "女"}.get(gender, ""), crypto.decrypt(encrypted) if full_id and encrypted else masked, phone,
            staff_no, unit, dept, post, EXPORT_CATEGORY.get(category, ""), EXPORT_CONTRACT.get(contract, ""),
            card or "", joined, dues_from.strftime("%Y-%m") if dues_from else "", _status(status, reason),
            "是" if rep else "否", "是" if activist else "否",
        ]


def export_roster_xlsx(queryset, fileobj, *, full_id=False, acting_user=None, sheet_title="花名册") -> int:
    count = write_xlsx(fileobj, HEADERS, roster_rows(queryset, full_id=full_id), sheet_title=sheet_title,
                       text_columns=TEXT_COLUMNS, widths=WIDTHS)
    if full_id:
        record_audit(None, "members.roster.exported_full_ids", acting_user, {"rows": count})
    return count
