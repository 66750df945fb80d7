"""Structure checks of a grassroots union, each with the rule id that decides it (E1–E13)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Committee, Membership, OrgUnit, PostHolding
from .rules import committee_band, rule, women_committee_threshold


@dataclass(frozen=True)
class Check:
    rule_id: str
    ok: bool
    message: str

    @property
    def level(self) -> str:
        return "ok" if self.ok else "warn"


def structure_checks(unit: OrgUnit, *, today: datetime.date | None = None) -> list[Check]:
    """The checks shown on the unit page. A constant number of queries whatever the size."""
    today = today or timezone.localdate()
    stats = Membership.objects.filter(union=unit).aggregate(
        members=Count("pk", filter=Q(status__in=[Membership.Status.ACTIVE, Membership.Status.RETAINED,
                                                 Membership.Status.HELD, Membership.Status.TRANSFERRING])),
        women=Count("pk", filter=Q(status=Membership.Status.ACTIVE, person__gender="F")),
    )
    members, women = stats["members"], stats["women"]
    committees = {c.kind: c for c in Committee.objects.filter(unit=unit, ended_on__isnull=True)}
    posts = list(
        PostHolding.objects.current(today).filter(unit=unit).select_related("committee").only(
            "post", "person_id", "is_full_time", "committee__kind"
        )
    )
    union_posts = [p for p in posts if p.post in PostHolding.OFFICER_POSTS]
    checks: list[Check] = []

    threshold = rule("E1_COMMITTEE_FROM")
    has_committee = Committee.Kind.UNION in committees
    checks.append(
        Check("E1", members < threshold or has_committee,
              _("%(n)s members; a union committee is required from %(t)s members: %(state)s.")
              % {"n": members, "t": threshold, "state": _("present") if has_committee else _("missing")})
    )
    assembly_max = rule("E3_MEMBER_ASSEMBLY_MAX")
    checks.append(
        Check("E3", True,
              _("Members' assembly (all members) required up to %(t)s members; this union may hold a "
                "representative congress: %(answer)s.")
              % {"t": assembly_max, "answer": _("yes") if members > assembly_max else _("no")})
    )
    low, high = committee_band(members)
    size = len({p.person_id for p in union_posts})
    checks.append(
        Check("E6", not has_committee or low <= size <= high,
              _("Committee size %(size)s; for %(n)s members it should be %(low)s–%(high)s.")
              % {"size": size, "n": members, "low": low, "high": high})
    )
    audit_people = {p.person_id for p in posts if p.post in {PostHolding.Post.AUDIT_CHAIR, PostHolding.Post.AUDIT_MEMBER}}
    conflicts = audit_people & {p.person_id for p in posts if p.post in {PostHolding.Post.CHAIR,
                                                                          PostHolding.Post.VICE_CHAIR}}
    checks.append(
        Check("E7b", not conflicts,
              _("The chair and vice-chairs may not sit on the funds audit committee: %(n)s conflict(s).")
              % {"n": len(conflicts)})
    )
    women_threshold = women_committee_threshold(unit.effective_region)
    has_women = Committee.Kind.WOMEN in committees
    checks.append(
        Check("E8", women < women_threshold or has_women,
              _("%(n)s women members; a women workers' committee is required from %(t)s (%(region)s): %(state)s.")
              % {"n": women, "t": women_threshold, "region": unit.effective_region,
                 "state": _("present") if has_women else _("missing")})
    )
    staff_threshold = rule("E9_FULL_TIME_CHAIR_FROM_STAFF")
    chair = next((p for p in posts if p.post == PostHolding.Post.CHAIR), None)
    checks.append(
        Check("E9", unit.staff_count < staff_threshold or bool(chair and chair.is_full_time),
              _("%(n)s staff; a full-time chair is expected from %(t)s staff: %(state)s.")
              % {"n": unit.staff_count, "t": staff_threshold,
                 "state": _("full-time") if chair and chair.is_full_time else _("not full-time")})
    )
    committee = committees.get(Committee.Kind.UNION)
    if committee is not None:
        due = committee.due_on
        lead = max(rule("E12_TERM_LEAD_DAYS"))
        if today > due:
            state, ok = _("overdue since %(day)s") % {"day": due.isoformat()}, False
        elif today >= due - datetime.timedelta(days=lead):
            state, ok = _("renewal due by %(day)s") % {"day": due.isoformat()}, False
        else:
            state, ok = _("runs until %(day)s") % {"day": due.isoformat()}, True
        checks.append(Check("E12", ok, _("Committee term: %(state)s.") % {"state": state}))
        previous = (
            Committee.objects.filter(unit=unit, kind=Committee.Kind.UNION, ended_on__isnull=False)
            .order_by("-starts_on").first()
        )
        if previous is not None:
            gap = abs((committee.starts_on - previous.due_on).days)
            needs = gap > rule("E13_RENEWAL_TOLERANCE_DAYS")
            checks.append(
                Check("E13", not needs or bool(committee.renewal_approval_ref),
                      _("Renewed %(days)s days from the due date; early or late renewal needs the higher union's "
                        "approval: %(state)s.")
                      % {"days": gap, "state": committee.renewal_approval_ref or (_("not needed") if not needs
                                                                                  else _("missing"))})
            )
    return checks
