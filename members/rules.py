"""Organisation rules (rules.md §3.1–3.2) as settings with the national default.

Override with ``UNION_RULES = {"E3_MEMBER_ASSEMBLY_MAX": 200, ...}`` in settings.
"""

from django.conf import settings

DEFAULTS = {
    "E1_COMMITTEE_FROM": 25,  # ≥ 25 members → a committee must be set up
    "E3_MEMBER_ASSEMBLY_MAX": 100,  # ≤ 100 members → a members' assembly (会员大会)
    # E6 committee size bands: (members up to, smallest, largest)
    "E6_COMMITTEE_BANDS": [
        (24, 3, 5),
        (200, 3, 7),
        (1000, 7, 15),
        (5000, 15, 21),
        (10000, 21, 29),
        (50000, 29, 37),
        (None, 37, 45),
    ],
    "E8_WOMEN_COMMITTEE_FROM": {"national": 10, "beijing": 25, "shanghai": 25},
    "E9_FULL_TIME_CHAIR_FROM_STAFF": 200,
    "E12_TERM_LEAD_DAYS": [180, 90, 30],
    "E13_RENEWAL_TOLERANCE_DAYS": 30,  # starting a new term this far from the old due date needs approval
}


def rule(key: str):
    return getattr(settings, "UNION_RULES", {}).get(key, DEFAULTS[key])


def committee_band(members: int) -> tuple[int, int]:
    for upper, low, high in rule("E6_COMMITTEE_BANDS"):
        if upper is None or members <= upper:
            return low, high
    raise AssertionError("the last band has no upper bound")


def women_committee_threshold(region: str) -> int:
    table = rule("E8_WOMEN_COMMITTEE_FROM")
    return table.get(region, table["national"])
