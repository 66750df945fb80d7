"""Structure checks of a grassroots union, each decided by one rule (rules.md §3.1–3.2).

``structure_checks(unit)`` gathers the facts in a constant number of queries (memberships,
committee terms, current posts, and the region profile when the unit inherits it), then runs
each check function over them. A check function returns a list of ``Check`` (rule id, level,
message); add a rule by writing a function and listing it in ``CHECKS``.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import Committee, Membership, OrgUnit, PostHolding, RegionProfile
from .models.people import Gender
from .rules import committee_band, rule, term_lead_days, women_committee_threshold

OK, WARN, INFO = "ok", "warn", "info"

P = PostHolding.Post
AUDIT_POSTS = {P.AUDIT_CHAIR, P.AUDIT_MEMBER}
LEADING_POSTS = {P.CHAIR, P.VICE_CHAIR}


@dataclass(frozen=True)
class Check:
    rule_id: str
    level: str  # OK, WARN or INFO
    message: str

    @property
    def ok(self) -> bool:
        """Passes or is for information only (no warning)."""
        return self.level != WARN


@dataclass
class UnitFacts:
    """What the checks need to know about one union, loaded once."""

    unit: OrgUnit
    today: datetime.date
    members: int
    women: int
    committees: list[Committee]  # every term of every committee, newest first within a kind
    posts: list[PostHolding] = field(default_factory=list)  # current posts, person and committee loaded

    @cached_property
    def region(self) -> str:
        return self.unit.effective_region

    def current(self, kind) -> Committee | None:
        return next((c for c in self.committees if c.kind == kind and c.ended_on is None), None)

    @property
    def current_committees(self) -> list[Committee]:
        return [c for c in self.committees if c.ended_on is None]

    def previous(self, committee: Committee) -> Committee | None:
        """The term of the same committee before ``committee``."""
        return next(
            (c for c in self.committees if c.kind == committee.kind and c.starts_on < committee.starts_on), None
        )

    def holders(self, posts) -> dict[int, PostHolding]:
        return {p.person_id: p for p in self.posts if p.post in posts}


def load_facts(unit: OrgUnit, today: datetime.date | None = None) -> UnitFacts:
    today = today or timezone.localdate()
    counted = Membership.objects.filter(union=unit).current().exclude(status=Membership.Status.APPLIED)
    stats = counted.aggregate(members=Count("pk"), women=Count("pk", filter=Q(person__gender=Gender.FEMALE)))
    kinds = list(Committee.Kind.values)
    committees = sorted(
        Committee.objects.filter(unit=unit), key=lambda c: (kinds.index(c.kind), -c.starts_on.toordinal())
    )
    posts = list(PostHolding.objects.current(today).filter(unit=unit).select_related("person", "committee"))
    return UnitFacts(unit, today, stats["members"], stats["women"], committees, posts)


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _names(holdings) -> str:
    return pgettext("list separator", ", ").join(sorted(h.person.name for h in holdings))


def check_e1_committee_required(f: UnitFacts) -> list[Check]:
    threshold = rule("E1_COMMITTEE_FROM")
    values = {"members": f.members, "threshold": threshold}
    if f.members < threshold:
        return [Check("E1", OK, _("%(members)s members: below %(threshold)s the union may elect a committee, or "
                                  "a single organiser or chair.") % values)]
    if f.current(Committee.Kind.UNION):
        return [Check("E1", OK, _("%(members)s members: a union committee is required from %(threshold)s "
                                  "members, and one is in office.") % values)]
    return [Check("E1", WARN, _("%(members)s members: a union committee is required from %(threshold)s "
                                "members, but none is in office.") % values)]


def check_e3_assembly_or_congress(f: UnitFacts) -> list[Check]:
    limit = rule("E3_MEMBER_ASSEMBLY_MAX")
    values = {"members": f.members, "limit": limit}
    if f.members <= limit:
        message = _("%(members)s members: up to %(limit)s members the union holds a members' assembly of all "
                    "members, not a representatives' congress.")
    else:
        message = _("%(members)s members: above %(limit)s members the union may hold a members' "
                    "representatives' congress instead of a members' assembly.")
    return [Check("E3", INFO, message % values)]


def check_e6_committee_size(f: UnitFacts) -> list[Check]:
    low, high = committee_band(f.members)
    values = {"members": f.members, "low": low, "high": high}
    if f.current(Committee.Kind.UNION) is None:
        return [Check("E6", INFO, _("No union committee in office; for %(members)s members it would have "
                                    "%(low)s–%(high)s members.") % values)]
    values["size"] = len(f.holders(PostHolding.OFFICER_POSTS))
    message = _("Union committee size: %(size)s; for %(members)s members it should be %(low)s–%(high)s.") % values
    if not low <= values["size"] <= high:
        return [Check("E6", WARN, message)]
    if values["size"] % 2 == 0:
        return [Check("E6", INFO, message + " " + _("An odd number is usual."))]
    return [Check("E6", OK, message)]


def check_e7_audit_committee(f: UnitFacts) -> list[Check]:
    audit = f.current(Committee.Kind.AUDIT)
    if audit is None:
        if f.current(Committee.Kind.UNION) is None:
            return []
        return [Check("E7", WARN, _("A union committee is in office but no funds audit committee: it is elected "
                                    "with the committee, for the same term."))]
    low, high = rule("E7B_AUDIT_COMMITTEE_SIZE")
    size = len(f.holders(AUDIT_POSTS))
    values = {"size": size, "low": low, "high": high}
    level = OK if low <= size <= high and size % 2 else INFO
    return [Check("E7", level, _("Funds audit committee in office, size %(size)s (usually %(low)s–%(high)s, an "
                                 "odd number).") % values)]


def check_e7b_audit_conflicts(f: UnitFacts) -> list[Check]:
    auditors = f.holders(AUDIT_POSTS)
    if not auditors:
        return []
    leaders = f.holders(LEADING_POSTS).keys() & auditors.keys()
    members = (f.holders({P.MEMBER}).keys() & auditors.keys()) - leaders
    checks = []
    if leaders:
        names = _names(auditors[pk] for pk in leaders)
        checks.append(Check("E7b", WARN, _("%(names)s also hold the chair or a vice-chair post: they may not sit "
                                           "on the funds audit committee.") % {"names": names}))
    if members:
        names = _names(auditors[pk] for pk in members)
        checks.append(Check("E7b", INFO, _("%(names)s sit on both the union committee and the funds audit "
                                           "committee: allowed only if they have no part in the union's "
                                           "finances.") % {"names": names}))
    if not checks:
        checks.append(Check("E7b", OK, _("No one on the funds audit committee holds the chair or a vice-chair "
                                         "post.")))
    by_hand = _("Finance staff and anyone handling cash or goods may not sit on it either: check this by hand.")
    last = checks[-1]
    checks[-1] = Check(last.rule_id, last.level, f"{last.message} {by_hand}")
    return checks


def check_e8_women_committee(f: UnitFacts) -> list[Check]:
    threshold = women_committee_threshold(f.region)
    region = RegionProfile(f.region).label if f.region in RegionProfile.values else f.region
    values = {"women": f.women, "threshold": threshold, "region": region}
    if f.women < threshold:
        return [Check("E8", OK, _("%(women)s women members, fewer than %(threshold)s (%(region)s profile): a "
                                  "committee member for women workers is enough.") % values)]
    if f.current(Committee.Kind.WOMEN):
        return [Check("E8", OK, _("%(women)s women members: a women workers' committee is required from "
                                  "%(threshold)s (%(region)s profile), and one is in office.") % values)]
    return [Check("E8", WARN, _("%(women)s women members: a women workers' committee is required from "
                                "%(threshold)s (%(region)s profile), but none is in office.") % values)]


def check_e9_full_time_chair(f: UnitFacts) -> list[Check]:
    threshold = rule("E9_FULL_TIME_CHAIR_FROM_STAFF")
    staff = f.unit.staff_count
    values = {"staff": staff, "threshold": threshold}
    if not staff:
        return [Check("E9", INFO, _("The number of staff is not recorded; from %(threshold)s staff the chair "
                                    "should be full-time.") % values)]
    if staff < threshold:
        return [Check("E9", OK, _("%(staff)s staff: a full-time chair is expected from %(threshold)s staff.")
                      % values)]
    chair = next(iter(f.holders({P.CHAIR}).values()), None)
    if chair is None:
        return [Check("E9", WARN, _("%(staff)s staff: the chair should be full-time, but no chair is recorded.")
                      % values)]
    values["name"] = chair.person.name
    if chair.is_full_time:
        return [Check("E9", OK, _("%(staff)s staff: the chair (%(name)s) is full-time.") % values)]
    return [Check("E9", WARN, _("%(staff)s staff: from %(threshold)s staff the chair should be full-time; "
                                "%(name)s is recorded as part-time.") % values)]


def term_status(committee: Committee, today: datetime.date) -> Check:
    """E12: when the term ends, and whether its renewal is due or overdue."""
    due = committee.due_on
    days = (due - today).days
    values = {"committee": committee.get_kind_display(), "start": _day(committee.starts_on), "due": _day(due),
              "days": abs(days)}
    if days < 0:
        return Check("E12", WARN, _("%(committee)s: the term ended on %(due)s, %(days)s days ago, and has not "
                                    "been renewed; a late renewal needs the higher union's approval.") % values)
    if days <= max(term_lead_days()):
        return Check("E12", WARN, _("%(committee)s: the term ends on %(due)s, in %(days)s days: prepare the "
                                    "renewal and the request to the higher union.") % values)
    return Check("E12", OK, _("%(committee)s: term from %(start)s to %(due)s.") % values)


def check_e12_terms(f: UnitFacts) -> list[Check]:
    return [term_status(c, f.today) for c in f.current_committees]


def renewal_gap(previous: Committee, starts_on: datetime.date) -> int:
    """E13: days between the old term's end and the new term's start (negative = early)."""
    return (starts_on - previous.due_on).days


def check_e13_renewal_approval(f: UnitFacts) -> list[Check]:
    tolerance = rule("E13_RENEWAL_TOLERANCE_DAYS")
    checks = []
    for committee in f.current_committees:
        previous = f.previous(committee)
        if previous is None:
            continue
        gap = renewal_gap(previous, committee.starts_on)
        values = {"committee": committee.get_kind_display(), "days": abs(gap), "due": _day(previous.due_on),
                  "ref": committee.renewal_approval_ref}
        if abs(gap) <= tolerance:
            checks.append(Check("E13", OK, _("%(committee)s: renewed on time (%(days)s days from the end of the "
                                             "previous term on %(due)s).") % values))
        elif committee.renewal_approval_ref:
            checks.append(Check("E13", OK, _("%(committee)s: renewed %(days)s days from the end of the previous "
                                             "term on %(due)s, with the higher union's approval %(ref)s.")
                                % values))
        elif gap < 0:
            checks.append(Check("E13", WARN, _("%(committee)s: renewed %(days)s days early (the previous term "
                                               "ended on %(due)s) without a recorded approval of the higher "
                                               "union.") % values))
        else:
            checks.append(Check("E13", WARN, _("%(committee)s: renewed %(days)s days late (the previous term "
                                               "ended on %(due)s) without a recorded approval of the higher "
                                               "union.") % values))
    return checks


CHECKS = [
    check_e1_committee_required,
    check_e3_assembly_or_congress,
    check_e6_committee_size,
    check_e7_audit_committee,
    check_e7b_audit_conflicts,
    check_e8_women_committee,
    check_e9_full_time_chair,
    check_e12_terms,
    check_e13_renewal_approval,
]


def structure_checks(unit: OrgUnit, *, today: datetime.date | None = None) -> list[Check]:
    """The checks shown on the unit page, in rule order. A constant number of queries whatever the size."""
    facts = load_facts(unit, today)
    return [check for function in CHECKS for check in function(facts)]
