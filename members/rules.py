"""Every organisation number that is regional or uncertain, with its national default and rule id
(rules.md §3.1–3.2 and §7).

Override any of them in settings, e.g.::

    UNION_RULES = {
        "E3_MEMBER_ASSEMBLY_MAX": 200,                      # older guidance (E3b); Fudan uses 80
        "E8_WOMEN_COMMITTEE_FROM": {"chongqing": 10},       # merged into the default table
    }

A table given as a dict is merged into the default table, so a region can be added without
repeating the national value. ``rule(key)`` reads the value in force at call time.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    key: str
    rule_id: str
    default: object
    label: str
    source: str = ""


RULES = {
    r.key: r
    for r in [
        Rule(
            "E1_COMMITTEE_FROM", "E1", 25,
            _("Members from which a union committee must be set up"),
            "工会法 art.11; 章程 art.25",
        ),
        Rule(
            "E3_MEMBER_ASSEMBLY_MAX", "E3", 100,
            _("Largest membership that must hold a members' assembly rather than a representatives' congress"),
            "章程(2008) art.26; 基层工会会员代表大会条例(2019) art.3 — older guidance 200, Fudan 80",
        ),
        Rule(
            # (members up to and including, smallest, largest); None = no upper bound
            "E6_COMMITTEE_BANDS", "E6",
            (
                (24, 3, 5),
                (200, 3, 7),
                (1000, 7, 15),
                (5000, 15, 21),
                (10000, 21, 29),
                (50000, 29, 37),
                (None, 37, 45),
            ),
            _("Size of the union committee by membership"),
            "基层工会选举条例(2016) art.8; last row from an older table",
        ),
        Rule(
            "E7B_AUDIT_COMMITTEE_SIZE", "E7b", (3, 5),
            _("Size of the funds audit committee"),
            "practice (uianet, xiaomilidoc)",
        ),
        Rule(
            "E8_WOMEN_COMMITTEE_FROM", "E8", {"national": 10, "beijing": 25, "shanghai": 25},
            _("Women members from which a women workers' committee must be set up, by region profile"),
            "女职工委员会工作条例(2004) art.11; 北京 25, 上海 25 (local regulations)",
        ),
        Rule(
            "E9_FULL_TIME_CHAIR_FROM_STAFF", "E9", 200,
            _("Staff from which the union chair should be full-time"),
            "工会法 art.14 (may); 章程 art.25 (shall)",
        ),
        Rule(
            "E12_TERM_LEAD_DAYS", "E12", (180, 90, 30),
            _("Days before a committee term ends to remind the officers and the higher union"),
            "rules.md §7: T-6m (prepare the request), T-3m, T-1m",
        ),
        Rule(
            "E13_RENEWAL_TOLERANCE_DAYS", "E13", 30,
            _("Days a renewal may start before or after the old term's end without the higher union's approval"),
            "章程 art.26: early or late renewal only with the higher union's approval",
        ),
    ]
}


def rule(key: str):
    """The value in force: the setting's override, else the national default (dicts are merged)."""
    default = RULES[key].default
    value = getattr(settings, "UNION_RULES", {}).get(key, default)
    if isinstance(default, dict) and value is not default:
        value = {**default, **value}
    return value


def committee_band(members: int) -> tuple[int, int]:
    """E6: the smallest and largest union committee for a union of ``members`` members."""
    for upper, low, high in rule("E6_COMMITTEE_BANDS"):
        if upper is None or members <= upper:
            return low, high
    raise ValueError("E6_COMMITTEE_BANDS needs a last band without an upper bound (None)")


def women_committee_threshold(region: str) -> int:
    """E8/E8b: women members from which a women workers' committee is required in ``region``."""
    table = rule("E8_WOMEN_COMMITTEE_FROM")
    return table.get(region, table["national"])


def term_lead_days() -> list[int]:
    """E12: the reminder lead times, longest first (180, 90, 30 by default)."""
    return sorted(rule("E12_TERM_LEAD_DAYS"), reverse=True)
