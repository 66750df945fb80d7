"""Counting a closed poll and what follows it: reconciliation and the decision by the frozen rules (E17,
E18, E21, E24, K4), the officers' choice of readings before opening, further rounds, and the higher
union's approval that writes the result into the members app.
"""

import math
from fractions import Fraction

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Committee, PostHolding
from union_site.audit import record_audit

from .models import Ballot, Candidate, PaperEntry, Poll, RollEntry
from .services import (
    ABSTAIN,
    AGAINST,
    BASIC,
    DISTRUST,
    FOR,
    TRUST,
    ElectionError,
    _eligible_people,
    candidates_in_order,
    frac,
    log_event,
    paper_mismatches,
    rules_for,
)

# --- counting ----------------------------------------------------------------------------------------


@transaction.atomic
def count_poll(poll: Poll, *, acting_user) -> dict:
    """Reconcile, count and decide; every figure says which rule decided it."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != Poll.Status.CLOSED:
        raise ElectionError(_("Close the poll before counting."))
    pending = paper_mismatches(poll)
    if pending:
        raise ElectionError(_("Paper ballots %(nos)s are not yet entered identically by two counters.")
                            % {"nos": ", ".join(map(str, pending))})
    # matched paper entries become ballots now, in one go (no ballot order follows the casting order)
    for no in sorted(set(PaperEntry.objects.filter(poll=poll).values_list("paper_no", flat=True))):
        e = PaperEntry.objects.filter(poll=poll, paper_no=no).first()
        Ballot.objects.create(poll=poll, channel=RollEntry.Channel.PAPER, marks=e.marks, write_ins=e.write_ins,
                              valid=not e.invalid_reason, invalid_reason=e.invalid_reason)
    result = tally(poll)
    poll.result = result
    poll.status = Poll.Status.VOID if result["void"] else Poll.Status.COUNTED
    poll.save(update_fields=["result", "status"])
    log_event(poll, "counted", {k: v for k, v in result.items() if k != "rows"}, acting_user)
    if poll.kind == Poll.Kind.RESOLUTION and not result["void"]:
        from congress.services import CongressError, set_resolution_result

        try:  # adopted meanwhile (K13): the count is refused with the congress's reason, and nothing is stored
            set_resolution_result(poll.resolution, votes_for=result["options"][FOR],
                                  votes_against=result["options"][AGAINST], votes_abstain=result["options"][ABSTAIN],
                                  entitled=poll.entitled, acting_user=acting_user)
        except CongressError as exc:
            raise ElectionError(str(exc)) from None
    return result


def tally(poll: Poll) -> dict:
    """The count, from the ballots and the roll: pure reads, fast enough for 100,000 ballots."""
    rules = poll.rules or rules_for(poll)
    entitled = poll.entitled or 0
    issued = RollEntry.objects.filter(poll=poll).exclude(channel="").count()
    returned, n_valid, mark_counts, write_in_counts = _ballot_counts(poll)
    result = {
        "entitled": entitled, "present": poll.present, "issued": issued, "returned": returned,
        "valid": n_valid, "invalid": returned - n_valid,
        "void": returned > issued,  # 收回多于发出: the election is void
    }
    share = frac(rules["E17_elected_share"])
    needed = math.floor(entitled * share) + 1  # more than half of 应到会 (E17, K4, E24)
    result["needed"] = needed
    if poll.kind == Poll.Kind.RESOLUTION:
        options = {mark: mark_counts.get(("motion", mark), 0) for mark in (FOR, AGAINST, ABSTAIN)}
        result["options"] = options
        result["passed"] = options[FOR] >= needed
        return result
    candidates = candidates_in_order(poll)
    rows = {str(c.pk): {"candidate": c.pk, "name": c.person.name, FOR: 0, AGAINST: 0, ABSTAIN: 0,
                        TRUST: 0, BASIC: 0, DISTRUST: 0} for c in candidates}
    for (key, mark), n in mark_counts.items():
        if key in rows and mark in rows[key]:
            rows[key][mark] += n
    write_ins = write_in_counts
    result["rows"] = list(rows.values())
    result["write_ins"] = write_ins
    if poll.kind == Poll.Kind.CONFIDENCE:
        warn = frac(rules["confidence_warning_share"])
        for row in result["rows"]:
            row["trust_share"] = float(Fraction(row[TRUST], n_valid)) if n_valid else 0.0
            row["below_half"] = bool(n_valid) and Fraction(row[TRUST], n_valid) < warn
            row["removal_majority"] = row[DISTRUST] >= needed  # E24: more than half of ALL
            row["two_years_running"] = row["below_half"] and _below_half_last_year(poll, row["candidate"])
        return result
    qualified = [(r[FOR], r["name"], r["candidate"]) for r in result["rows"] if r[FOR] >= needed]
    qualified += [(n, name, None) for name, n in write_ins.items() if n >= needed]
    qualified.sort(key=lambda q: -q[0])
    elected, tie = [], []
    if len(qualified) <= poll.seats:
        elected = qualified
    else:
        cut = qualified[poll.seats - 1][0]
        elected = [q for q in qualified if q[0] > cut]
        tied = [q for q in qualified if q[0] == cut]
        if len(elected) + len(tied) == poll.seats:
            elected += tied
        else:
            tie = tied  # a tie for the last seat: a further round among those tied
    result["elected"] = [{"name": name, "votes": v, "candidate": pk} for v, name, pk in elected]
    result["tie_round"] = [{"name": name, "votes": v, "candidate": pk} for v, name, pk in tie]
    result["unfilled"] = 0 if tie else poll.seats - len(elected)  # seats left for the tie round are not unfilled
    result["unfilled_rule"] = rules["unfilled_seats"]
    return result


def _below_half_last_year(poll: Poll, candidate_id: int) -> bool:
    """'信任票不足半数' two years running (a local rule): the same person's confidence vote a year earlier."""
    person_id = Candidate.objects.filter(pk=candidate_id).values_list("person_id", flat=True).first()
    year = (poll.opened_at or timezone.now()).year - 1
    earlier = Poll.objects.filter(
        kind=Poll.Kind.CONFIDENCE, session__term__body__unit=poll.unit, opened_at__year=year,
        candidates__person_id=person_id, status__in=[Poll.Status.COUNTED, Poll.Status.APPROVED],
    ).exclude(pk=poll.pk)
    return any(row.get("below_half") for p in earlier for row in p.result.get("rows", [])
               if row.get("candidate") in set(p.candidates.filter(person_id=person_id).values_list("pk", flat=True)))


RULE_CHOICES = {
    "E17_quorum_inclusive": [(True, gettext_lazy("two thirds or more (≥)")), (False, gettext_lazy("more than two thirds (>)"))],
    "E18_rounding": [("ceil", gettext_lazy("round the 5 % margin up")), ("round", gettext_lazy("round the 5 % margin to nearest"))],
    "unfilled_seats": [("another_round", gettext_lazy("vote again among those not elected")), ("vacant", gettext_lazy("leave vacant"))],
}


@transaction.atomic
def choose_rules(poll: Poll, *, choices: dict, acting_user) -> Poll:
    """Before opening, the officers choose among the allowed readings; open_poll then freezes them."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != Poll.Status.DRAFT:
        raise ElectionError(_("The rules are frozen once the poll opens."))
    rules = dict(rules_for(poll))
    for key, value in choices.items():
        if key in RULE_CHOICES and value in [v for v, _label in RULE_CHOICES[key]]:
            rules[key] = value
    poll.rules = rules
    poll.save(update_fields=["rules"])
    log_event(poll, "rules_chosen", {k: rules[k] for k in RULE_CHOICES}, acting_user)
    return poll


def rule_table(poll: Poll) -> list[tuple[str, str, str]]:
    """(rule id, what, value in force) for the poll page."""
    rules = rules_for(poll)
    labels = {k: dict(v) for k, v in RULE_CHOICES.items()}
    return [
        ("E17", _("quorum: share of those entitled who must have signed in"), rules["E17_quorum"]),
        ("E17", _("reading of 三分之二以上"), str(labels["E17_quorum_inclusive"][rules["E17_quorum_inclusive"]])),
        ("E17", _("elected with more than this share of those entitled"), rules["E17_elected_share"]),
        ("E18", _("committee candidate margin"), f"{rules['E18_margin']} · {labels['E18_rounding'][rules['E18_rounding']]}"),
        ("E21", _("days the candidate list is published before the vote"), str(rules["E21_notice_days"])),
        ("§3.11", _("seats left unfilled"), str(labels["unfilled_seats"][rules["unfilled_seats"]])),
    ]


def _ballot_counts(poll: Poll):
    """(returned, valid, {(option, mark): n}, {write-in name: n}) — aggregated by PostgreSQL where it runs."""
    from django.db.models import Count, Q

    totals = Ballot.objects.filter(poll=poll).aggregate(returned=Count("pk"), valid=Count("pk", filter=Q(valid=True)))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT m.key, m.value, count(*) FROM elections_ballot b, jsonb_each_text(b.marks) m "
                           "WHERE b.poll_id = %s AND b.valid GROUP BY m.key, m.value", [poll.pk])
            marks = {(key, value): n for key, value, n in cursor.fetchall()}
            cursor.execute("SELECT w, count(*) FROM elections_ballot b, jsonb_array_elements_text(b.write_ins) w "
                           "WHERE b.poll_id = %s AND b.valid GROUP BY w", [poll.pk])
            write_ins = dict(cursor.fetchall())
        return totals["returned"], totals["valid"], marks, write_ins
    marks, write_ins = {}, {}
    for ballot_marks, extra in Ballot.objects.filter(poll=poll, valid=True).values_list("marks", "write_ins"):
        for key, mark in ballot_marks.items():
            marks[(key, mark)] = marks.get((key, mark), 0) + 1
        for name in extra:
            write_ins[name] = write_ins.get(name, 0) + 1
    return totals["returned"], totals["valid"], marks, write_ins


@transaction.atomic
def start_further_round(poll: Poll, *, acting_user) -> Poll:
    """A further round: among those tied for the last seat, or (rule 'another_round') among the candidates
    not elected for the seats left unfilled. Same session, same roll source, rules frozen again on opening."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    result = poll.result
    if poll.status not in {Poll.Status.COUNTED, Poll.Status.APPROVED} or poll.kind != Poll.Kind.ELECTION:
        raise ElectionError(_("A further round follows a counted election."))
    elected = {e.get("candidate") for e in result.get("elected", [])}
    written_in = []  # names written in (另选他人) that tie for the last seat
    if result.get("tie_round"):
        ids = [t["candidate"] for t in result["tie_round"] if t.get("candidate")]
        written_in = [t["name"] for t in result["tie_round"] if not t.get("candidate")]
        seats = poll.seats - len(result.get("elected", []))
    elif result.get("unfilled") and poll.rules.get("unfilled_seats") == "another_round":
        ids = [c.pk for c in poll.candidates.all() if c.pk not in elected]
        seats = result["unfilled"]
    else:
        raise ElectionError(_("This election needs no further round."))
    further = Poll.objects.create(session=poll.session, kind=poll.kind, post=poll.post, seats=seats,
                                  roll_source=poll.roll_source, title=_("%(title)s (further round)") % {"title": poll.title},
                                  candidates_published_on=poll.candidates_published_on)
    for candidate in Candidate.objects.filter(pk__in=ids):
        Candidate.objects.create(poll=further, person=candidate.person, nominated_by=candidate.nominated_by)
    # a written-in name stands again when it is the name of exactly one person who may stand (M10);
    # otherwise the officers add the right person by hand (further.names_to_add tells them whom)
    further.names_to_add = []
    for name in written_in:
        people = list(_eligible_people(poll).filter(name=name)[:2])
        if len(people) == 1:
            Candidate.objects.create(poll=further, person=people[0], nominated_by="另选他人")
        else:
            further.names_to_add.append(name)
    log_event(poll, "further_round", {"poll": further.pk, "seats": seats, "names_to_add": further.names_to_add},
              acting_user)
    log_event(further, "created", {"after": poll.pk, "seats": seats}, acting_user)
    return further


@transaction.atomic
def approve_poll(poll: Poll, *, approved_by: str, approval_ref: str, acting_user) -> Poll:
    """The higher union approves; the elected then hold their posts in the union's current committee term."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != Poll.Status.COUNTED:
        raise ElectionError(_("Only a counted poll can be approved."))
    if not approved_by.strip() or not approval_ref.strip():
        raise ElectionError(_("Enter the approving union and its reference."))
    poll.status, poll.approved_by, poll.approval_ref = Poll.Status.APPROVED, approved_by, approval_ref
    poll.approved_at = timezone.now()
    poll.save(update_fields=["status", "approved_by", "approval_ref", "approved_at"])
    if poll.kind == Poll.Kind.ELECTION and poll.post:
        unit = poll.unit
        kind = {Poll.Post.AUDIT: Committee.Kind.AUDIT, Poll.Post.WOMEN: Committee.Kind.WOMEN}.get(poll.post,
                                                                                                 Committee.Kind.UNION)
        committee = Committee.objects.filter(unit=unit, kind=kind, ended_on__isnull=True).first()
        today = timezone.localdate()
        if committee is None:
            committee = Committee.objects.create(unit=unit, kind=kind, starts_on=today, term_years=5,
                                                 approved_by=approved_by, approval_ref=approval_ref, approved_on=today)
        for row in poll.result.get("elected", []):
            if not row.get("candidate"):
                continue  # a write-in: the officers record the person by hand
            person = Candidate.objects.get(pk=row["candidate"]).person
            if poll.post == Poll.Post.CHAIR:
                PostHolding.objects.filter(unit=unit, post=PostHolding.Post.CHAIR, ended_on__isnull=True).update(
                    ended_on=today)
            PostHolding.objects.create(unit=unit, committee=committee, person=person, post=poll.post,
                                       started_on=today, source=poll.title)
    log_event(poll, "approved", {"by": approved_by, "ref": approval_ref}, acting_user)
    record_audit(poll, "elections.poll.approved", acting_user)
    return poll
