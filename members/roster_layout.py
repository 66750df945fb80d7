"""The one roster column layout shared by the import template, the importer and the exporter.

Header labels are data (what the Excel file says), not interface text: the Chinese labels
stay literal Chinese and the English ones literal English, whatever the user's language.
A header matches by either label, or by the column key, without regard to case, spaces,
full-width characters or a "*" marking required columns.
"""

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool = False
    text: bool = False  # written as a text cell (format "@") so Excel keeps every digit
    width: int = 12
    aliases: tuple[str, ...] = ()


COLUMNS = [
    Column("name", "姓名", "Name", required=True, width=10),
    Column("gender", "性别", "Gender", width=6),
    Column("id_number", "身份证号", "ID number", required=True, text=True, width=22,
           aliases=("身份证号码", "公民身份号码", "身份证", "身份证件号码", "证件号码")),
    Column("phone", "手机号", "Mobile phone", text=True, width=14,
           aliases=("手机", "手机号码", "联系电话", "移动电话", "Phone")),
    Column("staff_no", "工号", "Staff number", text=True, width=10, aliases=("职工号", "Staff no")),
    Column("unit", "所在工会/分会", "Union unit code", text=True, width=14,
           aliases=("所在工会", "所在分会", "工会", "单位代码", "Unit", "Unit code")),
    Column("department", "部门", "Department", width=12, aliases=("所在部门",)),
    Column("post", "职务", "Post", width=10),
    Column("category", "人员类别", "Staff category", width=10, aliases=("Category",)),
    Column("contract_type", "用工形式", "Contract type", width=10),
    Column("card_no", "会员证号", "Card number", text=True, width=18, aliases=("会员证编号", "Card no")),
    Column("joined_on", "入会日期", "Joined on", width=12, aliases=("入会时间",)),
    Column("dues_from", "会费起缴月", "Dues from month", width=12, aliases=("会费起缴月份", "Dues from")),
    Column("status", "会籍状态", "Membership status", width=14, aliases=("Status",)),
    Column("is_member_representative", "会员代表", "Member representative", width=8),
    Column("is_activist", "积极分子", "Activist", width=8),
]
BY_KEY = {c.key: c for c in COLUMNS}
KEYS = [c.key for c in COLUMNS]

# Cell values: Chinese (what officers write) or the stored English value.
GENDER_VALUES = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
CATEGORY_VALUES = {
    "教师": "teacher", "一线": "frontline", "一线职工": "frontline", "管理": "management", "管理人员": "management",
    "后勤": "support", "工勤": "support", "其他": "other",
    "teacher": "teacher", "frontline": "frontline", "management": "management", "support": "support",
    "other": "other",
}
CONTRACT_VALUES = {
    "正式": "regular", "在编": "regular", "劳务派遣": "dispatched", "派遣": "dispatched", "合同制": "contract",
    "聘用": "contract", "regular": "regular", "dispatched": "dispatched", "contract": "contract",
}
NOT_A_MEMBER = "none"  # 非会员: staff on the roster without a membership (the staff roster lists them too)
STATUS_VALUES = {
    "在籍": "active", "会员": "active", "保留会籍": "retained", "暂存": "held", "申请中": "applied",
    "转出中": "transferring", "非会员": NOT_A_MEMBER,
    "active": "active", "retained": "retained", "held": "held", "applied": "applied",
    "transferring": "transferring", NOT_A_MEMBER: NOT_A_MEMBER,
}
RETENTION_VALUES = {"离休": "lixiu", "退休": "retired", "失业": "unemployed", "单位撤销": "dissolved", "其他": "other",
                    "lixiu": "lixiu", "retired": "retired", "unemployed": "unemployed", "dissolved": "dissolved",
                    "other": "other"}
YES = {"是", "yes", "y", "true"}
NO = {"否", "no", "n", "false", ""}

# Stored value → what the export writes (the first Chinese word of each mapping above).
EXPORT_GENDER = {"M": "男", "F": "女"}
EXPORT_CATEGORY = {"teacher": "教师", "frontline": "一线", "management": "管理", "support": "后勤", "other": "其他"}
EXPORT_CONTRACT = {"regular": "正式", "dispatched": "劳务派遣", "contract": "合同制"}
EXPORT_STATUS = {"active": "在籍", "retained": "保留会籍", "held": "暂存", "applied": "申请中",
                 "transferring": "转出中", None: "非会员", "": "非会员"}
EXPORT_RETENTION = {"lixiu": "离休", "retired": "退休", "unemployed": "失业", "dissolved": "单位撤销", "other": "其他"}

# zero-width and direction marks, and a byte-order mark left in A1 by a converted CSV file, are invisible
_JUNK = str.maketrans("", "", "*＊ \u3000\n\r\t\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\ufeff")


def normalise_label(text) -> str:
    """A header as compared: NFKC (full-width → half-width), no spaces or "*", no "(必填)", lower case."""
    text = unicodedata.normalize("NFKC", str(text or "")).translate(_JUNK)
    for junk in ("(必填)", "(选填)"):
        text = text.replace(junk, "")
    return text.lower()


LABEL_TO_KEY = {
    normalise_label(label): c.key for c in COLUMNS for label in (c.key, c.zh, c.en, *c.aliases)
}


def header_labels(*, mark_required=True) -> list[str]:
    """The template's header row: Chinese labels, required ones marked with "*"."""
    return [f"{c.zh}*" if c.required and mark_required else c.zh for c in COLUMNS]
