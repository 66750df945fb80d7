"""The one roster column layout shared by the template, the importer and the exporter.

Header labels are data (what the Excel file says), matched by Chinese or English label
without regard to case, spaces, full-width characters or a "*" marking required columns.
"""

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool = False
    text: bool = False  # written as a text cell (@) so Excel keeps every digit
    width: int = 12


COLUMNS = [
    Column("name", "姓名", "Name", required=True, width=10),
    Column("gender", "性别", "Gender", width=6),
    Column("id_number", "身份证号", "ID number", required=True, text=True, width=22),
    Column("phone", "手机号", "Mobile phone", text=True, width=14),
    Column("staff_no", "工号", "Staff number", text=True, width=10),
    Column("unit", "所在工会", "Union unit code", text=True, width=14),
    Column("department", "部门", "Department", width=12),
    Column("post", "职务", "Post", width=10),
    Column("category", "人员类别", "Staff category", width=10),
    Column("contract_type", "用工形式", "Contract type", width=10),
    Column("card_no", "会员证号", "Card number", text=True, width=18),
    Column("joined_on", "入会日期", "Joined on", width=12),
    Column("dues_from", "会费起缴月", "Dues from month", width=12),
    Column("status", "会籍状态", "Membership status", width=12),
    Column("is_member_representative", "会员代表", "Member representative", width=8),
    Column("is_activist", "积极分子", "Activist", width=8),
]
BY_KEY = {c.key: c for c in COLUMNS}

CATEGORY_LABELS = {
    "教师": "teacher", "一线": "frontline", "一线职工": "frontline", "管理": "management", "管理人员": "management",
    "后勤": "support", "工勤": "support", "其他": "other",
}
CONTRACT_LABELS = {"正式": "regular", "在编": "regular", "劳务派遣": "dispatched", "派遣": "dispatched",
                   "合同制": "contract", "聘用": "contract"}
STATUS_LABELS = {"在籍": "active", "会员": "active", "保留会籍": "retained", "暂存": "held", "申请中": "applied"}
RETENTION_LABELS = {"离休": "lixiu", "退休": "retired", "失业": "unemployed", "单位撤销": "dissolved", "其他": "other"}
GENDER_LABELS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", ""}

EXPORT_CATEGORY = {"teacher": "教师", "frontline": "一线", "management": "管理", "support": "后勤", "other": "其他"}
EXPORT_CONTRACT = {"regular": "正式", "dispatched": "劳务派遣", "contract": "合同制"}
EXPORT_STATUS = {"active": "在籍", "retained": "保留会籍", "held": "暂存", "applied": "申请中",
                 "transferring": "在籍"}
EXPORT_RETENTION = {v: k for k, v in RETENTION_LABELS.items()}


def normalise_label(text) -> str:
    text = unicodedata.normalize("NFKC", str(text or ""))
    for junk in ("*", "（必填）", "(必填)", " ", "\u3000", "\n"):
        text = text.replace(junk, "")
    return text.lower()


LABEL_TO_KEY = {normalise_label(label): c.key for c in COLUMNS for label in (c.zh, c.en, c.key)}
LABEL_TO_KEY.update({normalise_label(a): k for a, k in [("身份证号码", "id_number"), ("手机", "phone"),
                                                         ("联系电话", "phone"), ("会员证编号", "card_no"),
                                                         ("工会", "unit"), ("单位代码", "unit")]})
