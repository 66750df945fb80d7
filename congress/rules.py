"""Every congress number that is regional or uncertain, with its national default and rule id.

Override any of them with ``CONGRESS_RULES = {"K3_QUORUM": "3/4", ...}`` in settings.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    key: str
    rule_id: str
    default: object
    label: str


RULES = {
    r.key: r
    for r in [
        Rule("K1_CONGRESS_FROM_STAFF", "K1", 100, _("Staff from which an enterprise holds a representative congress")),
        Rule("T6_SCHOOL_CONGRESS_FROM_STAFF", "T6", 100, _("Staff from which a school holds a representative congress")),
        Rule("E3_MEMBER_CONGRESS_FROM", "E3", 100, _("Members from which a union may hold a representative congress")),
        Rule("K3_QUORUM", "K3", Fraction(2, 3), _("Share of all representatives that must be present")),
        Rule("K4_PASS_SHARE", "K4", Fraction(1, 2), _("Resolutions need more than this share of ALL representatives")),
        Rule("K7_MANAGERS_MAX", "K7", Fraction(1, 5), _("Largest share of middle and senior managers")),
        Rule("T4_TEACHERS_MIN", "T4", Fraction(3, 5), _("Smallest share of teachers in a school congress")),
        Rule("K8_MIN_REPRESENTATIVES", "K8", 30, _("Smallest number of representatives")),
        Rule("K8_SHARE_OF_STAFF", "K8", Fraction(1, 20), _("Representatives as a share of staff (national practice)")),
        Rule("K10_DOCUMENT_DAYS", "K10", 7, _("Days before the session documents must reach representatives")),
        Rule("K11_PUBLISH_DAYS", "K11", 3, _("Days after the decision within which a resolution is published")),
        Rule("K2_YEARLY_LEAD_DAYS", "K2", (60, 30), _("Days before the yearly session is due to remind officers")),
        Rule("T1_SCHOOL_YEAR_START", "T1", "09-01", _("First day of the school year (month-day)")),
        Rule("P1_SECONDERS", "P1", 2, _("Seconders a proposal needs")),
        Rule("P3_OPEN_DAYS", "P3", 30, _("Days before the session proposal collection opens")),
        Rule("P3_CLOSE_DAYS", "P3", 15, _("Days before the session proposal collection closes")),
        Rule("P7_HANDLING_DAYS", "P7", 90, _("Days a department has to reply")),
        Rule("P7_WARN_DAYS", "P7", 14, _("Days before the reply deadline to remind the department")),
        Rule("P9_RATING_DAYS", "P9", 15, _("Days the proposer has to rate a reply")),
    ]
}


def rule(key: str):
    """The value in force: the setting's override, else the national default."""
    overrides = getattr(settings, "CONGRESS_RULES", {})
    value = overrides.get(key, RULES[key].default)
    if isinstance(RULES[key].default, Fraction) and not isinstance(value, Fraction):
        value = Fraction(value)
    return value


def region_min_representatives(staff: int, region: str) -> int:
    """K8: the smallest congress size for a unit of ``staff`` people under the region's rule."""
    if region == "shanghai":
        if staff >= 3000:
            return 175
        if staff >= 100:
            return 30 + 5 * ((staff - 100) // 100)
        return 30
    if region == "zhejiang":
        if staff < 100:
            return 30
        if staff < 1000:
            return 40 + 7 * ((staff - 100) // 100)
        if staff < 5000:
            return 100 + 20 * ((staff - 1000) // 1000)
        return 200
    share = rule("K8_SHARE_OF_STAFF")
    return max(rule("K8_MIN_REPRESENTATIVES"), int(-(-staff * share.numerator // share.denominator)))
