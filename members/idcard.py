"""Chinese resident ID numbers (居民身份证号码, GB 11643-1999).

``parse_id_number`` normalises (full-width digits, spaces, lower-case x), converts
a 15-digit number to 18 digits and checks the date and the check digit. Errors
are ``ValueError`` with a translated message naming what is wrong.
"""

import datetime
from dataclasses import dataclass
from operator import mul

from django.utils.translation import gettext as _

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")


def normalise_text(value) -> str:
    """Full-width digits and letters to half-width; stray spaces (also U+3000) removed at the ends."""
    if value is None:
        return ""
    text = str(value).translate(FULLWIDTH)
    return text.replace("\u3000", " ").strip()


def check_digit(first17: str) -> str:
    return CHECK[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: datetime.date
    gender: str  # "M" or "F"

    @property
    def masked(self) -> str:
        return mask_id_number(self.value)


def mask_id_number(value: str) -> str:
    """First 6 + last 4 shown, the rest hidden (rules.md §6.3)."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def parse_id_number(raw) -> IdNumber:
    value = normalise_text(raw).replace(" ", "").upper()
    if not value:
        raise ValueError(_("The ID number is empty."))
    if len(value) == 15:
        if not value.isdigit():
            raise ValueError(_("A 15-digit ID number may contain digits only."))
        first17 = value[:6] + "19" + value[6:]
        value = first17 + check_digit(first17)
    elif len(value) == 18:
        if not (value[:17].isdigit() and (value[17].isdigit() or value[17] == "X")):
            raise ValueError(_("The ID number may contain only digits and a final X."))
    else:
        raise ValueError(_("The ID number must have 18 digits (or 15 for an old card)."))
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError(_("The date of birth in the ID number is not a real date.")) from None
    if birth.year < 1900 or birth > datetime.date.today():
        raise ValueError(_("The date of birth in the ID number is out of range."))
    if check_digit(value[:17]) != value[17]:
        raise ValueError(_("The check digit is wrong."))
    return IdNumber(value=value, birth_date=birth, gender="M" if int(value[16]) % 2 else "F")
