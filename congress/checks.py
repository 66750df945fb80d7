"""Composition and quorum checks for a congress term, each with the rule that decides it."""

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from members.models import Membership, OrgUnit, Person

from .models import Body, Representative, Session, SignIn, Term
from .rules import region_min_representatives, rule


@dataclass(frozen=True)
class Check:
    rule_id: str
    ok: bool
    message: str

    @property
    def level(self) -> str:
        return "ok" if self.ok else "warn"


def recommended_body_kind(unit: OrgUnit, *, members: int | None = None) -> list[str]:
    """K1/T6/E3: which bodies the unit should hold for its size."""
    kinds = []
    if unit.sector == OrgUnit.Sector.SCHOOL:
        big = unit.staff_count >= rule("T6_SCHOOL_CONGRESS_FROM_STAFF")
        kinds.append(Body.Kind.TEACHER_CONGRESS if big else Body.Kind.TEACHER_ASSEMBLY)
    elif unit.sector == OrgUnit.Sector.ENTERPRISE:
        big = unit.staff_count >= rule("K1_CONGRESS_FROM_STAFF")
        kinds.append(Body.Kind.STAFF_CONGRESS if big else Body.Kind.STAFF_ASSEMBLY)
    if members is None:
        members = Membership.objects.filter(union=unit).current().count()
    kinds.append(Body.Kind.MEMBER_CONGRESS if members > rule("E3_MEMBER_CONGRESS_FROM") else Body.Kind.MEMBER_ASSEMBLY)
    return kinds


def _pct(part: int, whole: int) -> str:
    return f"{(100 * part / whole):.0f}%" if whole else "0%"


def composition_checks(term: Term) -> list[Check]:
    """K7 managers ≤ 20 %, T4 teachers ≥ 60 % (schools), K7 women in proportion to staff, K8 size."""
    body, unit = term.body, term.body.unit
    stats = Representative.objects.filter(term=term).active().formal().aggregate(
        total=Count("pk"),
        managers=Count("pk", filter=Q(is_manager=True)),
        teachers=Count("pk", filter=Q(is_teacher=True)),
        women=Count("pk", filter=Q(is_female=True)),
    )
    total = stats["total"]
    checks = []
    cap = rule("K7_MANAGERS_MAX")
    checks.append(
        Check(
            "K7",
            total > 0 and Fraction(stats["managers"], total) <= cap,
            _("Managers: %(n)s of %(total)s formal representatives (%(pct)s); at most %(cap)s allowed.")
            % {"n": stats["managers"], "total": total, "pct": _pct(stats["managers"], total), "cap": f"{float(cap):.0%}"},
        )
    )
    if body.is_school:
        floor = rule("T4_TEACHERS_MIN")
        checks.append(
            Check(
                "T4",
                total > 0 and Fraction(stats["teachers"], total) >= floor,
                _("Teachers: %(n)s of %(total)s (%(pct)s); at least %(floor)s required.")
                % {"n": stats["teachers"], "total": total, "pct": _pct(stats["teachers"], total),
                   "floor": f"{float(floor):.0%}"},
            )
        )
    staff = Person.objects.filter(unit__path__startswith=unit.path, employment=Person.Employment.EMPLOYED).aggregate(
        total=Count("pk"), women=Count("pk", filter=Q(gender="F"))
    )
    if staff["total"]:
        staff_share = Fraction(staff["women"], staff["total"])
        rep_share = Fraction(stats["women"], total) if total else Fraction(0)
        checks.append(
            Check(
                "K7",
                total > 0 and rep_share >= staff_share - Fraction(5, 100),
                _("Women: %(rep)s of representatives against %(staff)s of staff; the shares should match.")
                % {"rep": _pct(stats["women"], total), "staff": _pct(staff["women"], staff["total"])},
            )
        )
    if body.has_representatives:
        needed = region_min_representatives(unit.staff_count, unit.effective_region)
        checks.append(
            Check(
                "K8",
                total >= needed,
                _("Size: %(total)s formal representatives; at least %(needed)s for %(staff)s staff (%(region)s).")
                % {"total": total, "needed": needed, "staff": unit.staff_count, "region": unit.effective_region},
            )
        )
    return checks


@dataclass(frozen=True)
class Quorum:
    entitled: int
    present: int
    needed: int

    @property
    def reached(self) -> bool:
        return self.present >= self.needed > 0


def quorum(session: Session) -> Quorum:
    """K3/T2/T8: signed-in formal representatives against two thirds of ALL formal representatives."""
    entitled = Representative.objects.filter(term_id=session.term_id).active().formal().count()
    present = SignIn.objects.filter(
        session=session,
        representative__kind=Representative.Kind.FORMAL,
        representative__status=Representative.Status.ACTIVE,
    ).count()
    share = rule("K3_QUORUM")
    needed = -(-entitled * share.numerator // share.denominator)  # ceiling: "三分之二以上" includes the bound
    return Quorum(entitled=entitled, present=present, needed=needed)


def pass_threshold(entitled: int) -> int:
    """K4: the smallest number of votes FOR that is more than half of ALL formal representatives."""
    share = rule("K4_PASS_SHARE")
    return entitled * share.numerator // share.denominator + 1
