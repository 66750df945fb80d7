"""The election engine: roll, candidates, the attendance gate, casting, paper double entry, closing.
(Counting, further rounds and approval are in ``elections.counting``.)

Rules (rules.md §3.3, elections.md §3): E16 secret ballot, E17 quorum ≥ 2/3 of 应到会 and
elected = yes-votes > half of 应到会, E18 committee 差额 ≥ 5 %, E19 no proxy, E21 more chair
candidates than seats and stroke order, E22 ineligible candidates, E24 removal > half of all,
M10 retained members do not vote, K4 resolutions > half of all representatives.
"""

import hashlib
import json
import math
import re
import secrets
import unicodedata
from fractions import Fraction

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Membership, Person
from union_site import roles
from union_site.audit import record_audit

from .models import Ballot, Candidate, PaperEntry, Poll, PollEvent, RollEntry
from .strokes import stroke_key

FOR, AGAINST, ABSTAIN = "for", "against", "abstain"
TRUST, BASIC, DISTRUST = "trust", "basic", "distrust"
MARKS = {Poll.Kind.ELECTION: {FOR, AGAINST, ABSTAIN}, Poll.Kind.RESOLUTION: {FOR, AGAINST, ABSTAIN},
         Poll.Kind.CONFIDENCE: {TRUST, BASIC, DISTRUST}}

DEFAULT_RULES = {
    "E17_quorum": "2/3",  # of 应到会 must have signed in before the poll opens
    "E17_quorum_inclusive": True,  # "三分之二以上" includes the bound (≥); some 选举办法 say > 2/3
    "E17_elected_share": "1/2",  # yes-votes must be MORE than this share of 应到会
    "E18_margin": "1/20",  # committee candidates ≥ seats × (1 + 5 %)
    "E18_rounding": "ceil",
    "E21_notice_days": 7,
    "unfilled_seats": "another_round",  # or "vacant"
    "confidence_warning_share": "1/2",  # 信任票不足半数 (local rule)
}

INELIGIBLE_REASONS = {
    "admin_head": gettext_lazy("administrative head or deputy of the unit"),
    "partner": gettext_lazy("partner of the enterprise, or a close relative of one"),
    "relative": gettext_lazy("close relative of the unit's principal leader"),
    "hr_head": gettext_lazy("head of the human-resources department"),
    "foreign": gettext_lazy("foreign employee"),
    "scrutineer": gettext_lazy("scrutineer or counter of this election"),
}


class ElectionError(Exception):
    pass


def rules_for(poll: Poll) -> dict:
    """The rules in force: frozen on the poll once it opens, else settings over the national defaults."""
    if poll.rules:
        return poll.rules
    return {**DEFAULT_RULES, **getattr(settings, "ELECTION_RULES", {})}


def frac(text: str) -> Fraction:
    return Fraction(text)


# --- the evidence log -----------------------------------------------------------------------------


def _digest(prev: str, seq: int, kind: str, data: dict, actor: str, when: str) -> str:
    payload = json.dumps([prev, seq, kind, data, actor, when], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def log_event(poll: Poll, kind: str, data: dict | None = None, acting_user=None) -> PollEvent:
    """Append to the poll's hash chain. Never pass anything that links a voter to a ballot."""
    Poll.objects.select_for_update().filter(pk=poll.pk).first()
    last = PollEvent.objects.filter(poll=poll).order_by("-seq").first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, "0" * 64)
    actor = acting_user.username if acting_user is not None and acting_user.is_authenticated else ""
    now = timezone.now()
    data = data or {}
    return PollEvent.objects.create(poll=poll, seq=seq, kind=kind, data=data, actor=actor, created_at=now,
                                    prev_hash=prev, hash=_digest(prev, seq, kind, data, actor, now.isoformat()))


def verify_chain(poll: Poll) -> tuple[bool, int | None]:
    """(True, None) when every event's hash holds and links to the one before, else (False, first bad seq)."""
    prev = "0" * 64
    for n, event in enumerate(PollEvent.objects.filter(poll=poll).order_by("seq"), start=1):
        expected = _digest(prev, event.seq, event.kind, event.data, event.actor, event.created_at.isoformat())
        if event.seq != n or event.prev_hash != prev or event.hash != expected:
            return False, event.seq
        prev = event.hash
    return True, None


# --- preparing a poll -------------------------------------------------------------------------------


@transaction.atomic
def create_poll(session, *, kind, title, acting_user, post="", seats=1, roll_source=Poll.Roll.MEMBERS,
                resolution=None) -> Poll:
    if kind == Poll.Kind.RESOLUTION and resolution is None:
        raise ElectionError(_("A resolution vote needs its resolution."))
    if resolution is not None and type(resolution).objects.filter(pk=resolution.pk, locked_at__isnull=False).exists():
        raise ElectionError(_("This resolution has been adopted and is locked (K13); only the congress can revisit it."))
    if kind == Poll.Kind.RESOLUTION:
        roll_source = Poll.Roll.REPRESENTATIVES if session.term.body.has_representatives else Poll.Roll.MEMBERS
    poll = Poll.objects.create(session=session, kind=kind, title=title, post=post, seats=seats,
                               roll_source=roll_source, resolution=resolution)
    log_event(poll, "created", {"kind": kind, "seats": seats, "post": post}, acting_user)
    record_audit(poll, "elections.poll.created", acting_user)
    return poll


def _eligible_people(poll: Poll):
    unit = poll.unit
    if poll.roll_source == Poll.Roll.REPRESENTATIVES:
        from congress.models import Representative

        return Person.objects.filter(pk__in=Representative.objects.active().formal().filter(
            term=poll.session.term).values("person"))
    # M10: only members in good standing — retained members have no vote
    return Person.objects.filter(pk__in=Membership.objects.filter(union=unit, status=Membership.Status.ACTIVE)
                                 .values("person"))


@transaction.atomic
def add_candidate(poll: Poll, person: Person, *, acting_user, nominated_by="", declarations=()) -> Candidate:
    """Nominate; E22 ineligible people are refused with the reason, and candidates must be able to stand (M10)."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != Poll.Status.DRAFT:
        raise ElectionError(_("Candidates can only change before the poll opens."))
    reasons = [str(INELIGIBLE_REASONS[d]) for d in declarations if d in INELIGIBLE_REASONS]
    if reasons:
        raise ElectionError(_("%(name)s cannot stand (E22): %(reasons)s.") % {"name": person.name,
                                                                            "reasons": "、".join(reasons)})
    if not Membership.objects.filter(person=person, union=poll.unit, status=Membership.Status.ACTIVE).exists():
        raise ElectionError(_("%(name)s is not a member in good standing and cannot stand (M10).") % {"name": person.name})
    if person.user_id and (
        poll.paper_entries.filter(counter_id=person.user_id).exists()
        or person.user.groups.filter(name=roles.SCRUTINEER).exists()
    ):
        raise ElectionError(_("%(name)s is a scrutineer or counter and cannot stand.") % {"name": person.name})
    try:
        with transaction.atomic():
            candidate = Candidate.objects.create(poll=poll, person=person, nominated_by=nominated_by)
    except IntegrityError:
        raise ElectionError(_("%(name)s is already a candidate.") % {"name": person.name}) from None
    log_event(poll, "candidate_added", {"candidate": candidate.pk, "name": person.name}, acting_user)
    return candidate


def candidates_in_order(poll: Poll) -> list[Candidate]:
    """E21: candidates in 姓氏笔画 order everywhere."""
    return sorted(poll.candidates.select_related("person"), key=lambda c: stroke_key(c.person.name))


def frozen_ballot(poll: Poll) -> list[dict]:
    """The ballot's options, {id, name} per candidate in stroke order (E21); none for a resolution."""
    if poll.kind == Poll.Kind.RESOLUTION:
        return []
    return [{"id": c.pk, "name": c.person.name} for c in candidates_in_order(poll)]


def ballot_options(poll: Poll) -> list[dict]:
    """What a voter chooses from: the ballot frozen at opening, or before that the candidates as they stand."""
    return poll.ballot or frozen_ballot(poll)


def candidate_checks(poll: Poll) -> list[tuple[str, bool, str]]:
    """(rule id, ok, message) for the candidate list."""
    rules = rules_for(poll)
    n = poll.candidates.count()
    checks = []
    if poll.kind != Poll.Kind.ELECTION:
        return checks
    if poll.post in {Poll.Post.CHAIR, Poll.Post.VICE_CHAIR}:
        checks.append(("E21", n > poll.seats, _("%(n)s candidates for %(s)s seats: there must be more candidates "
                                                "than seats.") % {"n": n, "s": poll.seats}))
    else:
        margin = 1 + frac(rules["E18_margin"])
        needed = math.ceil(poll.seats * margin) if rules["E18_rounding"] == "ceil" else round(poll.seats * margin)
        needed = max(needed, poll.seats + 1)
        checks.append(("E18", n >= needed, _("%(n)s candidates for %(s)s seats: at least %(needed)s needed "
                                             "(差额 5 %%).") % {"n": n, "s": poll.seats, "needed": needed}))
        from members.rules import committee_band

        if poll.post == Poll.Post.COMMITTEE:
            members = Membership.objects.filter(union=poll.unit).current().count()
            low, high = committee_band(members)
            checks.append(("E6", low <= poll.seats <= high, _("%(s)s seats; for %(m)s members the committee has "
                                                              "%(low)s–%(high)s.") % {"s": poll.seats, "m": members,
                                                                                      "low": low, "high": high}))
    published = poll.candidates_published_on
    days = rules["E21_notice_days"]
    ok = published is not None and (timezone.localdate() - published).days >= days
    checks.append(("E21", ok, _("Candidate list published %(days)s days before the vote (at least %(need)s).")
                   % {"days": (timezone.localdate() - published).days if published else 0, "need": days}))
    return checks


@transaction.atomic
def publish_candidates(poll: Poll, *, acting_user) -> Poll:
    poll.candidates_published_on = timezone.localdate()
    poll.save(update_fields=["candidates_published_on"])
    log_event(poll, "candidates_published", {"names": [c.person.name for c in candidates_in_order(poll)]}, acting_user)
    return poll


@transaction.atomic
def freeze_roll(poll: Poll, *, acting_user) -> int:
    """The roll is a snapshot: members in good standing (M10) or the formal representatives (T8)."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != Poll.Status.DRAFT or poll.roll.exists():
        raise ElectionError(_("The roll has already been drawn up."))
    people = list(_eligible_people(poll).values_list("pk", flat=True))
    RollEntry.objects.bulk_create([RollEntry(poll=poll, person_id=pk) for pk in people])
    if connection.vendor == "postgresql":
        # thousands of new rows: fresh statistics, so the planner finds a voter's entry by index from the first cast
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {RollEntry._meta.db_table}")
    poll.entitled = len(people)
    poll.save(update_fields=["entitled"])
    log_event(poll, "roll_frozen", {"entitled": len(people)}, acting_user)
    return len(people)


@transaction.atomic
def exclude_from_roll(poll: Poll, person: Person, *, reason: str, acting_user) -> None:
    """A later exclusion only with a logged reason; 应到会 falls by one."""
    if not reason.strip():
        raise ElectionError(_("Please give the reason for the exclusion."))
    hold_poll_state(poll.pk)  # the close waits for it; after the close 应到会 stays as counted
    entry = RollEntry.objects.select_for_update(of=("self",)).select_related("poll").get(poll=poll, person=person)
    if entry.poll.status not in {Poll.Status.DRAFT, Poll.Status.OPEN}:
        raise ElectionError(_("The poll is not open."))
    if entry.has_voted or entry.excluded_reason:
        raise ElectionError(_("This voter has voted or is already excluded."))
    entry.excluded_reason = reason
    entry.save(update_fields=["excluded_reason"])
    Poll.objects.filter(pk=poll.pk).update(entitled=F("entitled") - 1)
    log_event(poll, "excluded", {"person": person.pk, "reason": reason}, acting_user)


@transaction.atomic
def check_in(poll: Poll, person: Person, *, acting_user) -> RollEntry:
    entry = RollEntry.objects.select_for_update().filter(poll=poll, person=person, excluded_reason="").first()
    if entry is None:
        raise ElectionError(_("%(name)s is not on the roll of this poll.") % {"name": person.name})
    if not entry.checked_in:
        entry.checked_in = True
        entry.save(update_fields=["checked_in"])
    return entry


def gate(poll: Poll) -> dict:
    """E17: signed-in voters against two thirds of 应到会."""
    rules = rules_for(poll)
    share = frac(rules["E17_quorum"])
    entitled = RollEntry.objects.filter(poll=poll, excluded_reason="").count()
    present = RollEntry.objects.filter(poll=poll, excluded_reason="", checked_in=True).count()
    bound = entitled * share
    reached = present >= bound if rules["E17_quorum_inclusive"] else present > bound
    return {"entitled": entitled, "present": present, "needed": math.ceil(bound) if rules["E17_quorum_inclusive"]
            else math.floor(bound) + 1, "reached": entitled > 0 and reached}


@transaction.atomic
def open_poll(poll: Poll, *, acting_user) -> Poll:
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != Poll.Status.DRAFT:
        raise ElectionError(_("This poll is not waiting to open."))
    if not poll.roll.exists():
        raise ElectionError(_("Draw up the roll first."))
    if poll.kind != Poll.Kind.RESOLUTION:
        if not poll.candidates.exists():
            raise ElectionError(_("There are no candidates."))
        failed = [f"{rule} {message}" for rule, ok, message in candidate_checks(poll) if not ok]
        if failed:
            raise ElectionError(" ".join(failed))
    g = gate(poll)
    if not g["reached"]:
        raise ElectionError(_("Only %(present)s of %(entitled)s voters have signed in; the poll opens at %(needed)s "
                              "(two thirds, E17).") % g)
    poll.rules = rules_for(poll)  # frozen from now on
    poll.ballot = frozen_ballot(poll)  # and so is the ballot: candidates only change before opening
    poll.entitled, poll.present = g["entitled"], g["present"]
    poll.status, poll.opened_at = Poll.Status.OPEN, timezone.now()
    poll.save(update_fields=["rules", "ballot", "entitled", "present", "status", "opened_at"])
    log_event(poll, "opened", {"entitled": g["entitled"], "present": g["present"],
                               "ballot": [option["name"] for option in poll.ballot]}, acting_user)
    return poll


# --- voting -------------------------------------------------------------------------------------------


def validate_marks(poll: Poll, marks: dict, write_ins: list, *, keys: set | None = None) -> str:
    """'' for a valid ballot, else the reason it is invalid (over-marked, unknown option)."""
    allowed = MARKS[Poll.Kind(poll.kind)]
    if keys is None:
        keys = ({str(pk) for pk in poll.candidates.values_list("pk", flat=True)}
                if poll.kind != Poll.Kind.RESOLUTION else {"motion"})
    if set(marks) - keys or any(v not in allowed for v in marks.values()):
        return _("unknown option or mark")
    if write_ins and poll.kind != Poll.Kind.ELECTION:
        return _("unknown option or mark")  # 另选他人 is only on an election ballot
    if poll.kind == Poll.Kind.ELECTION:
        # a write-in is compared as counted: the same person twice, or a candidate again, is a second yes (rule 14)
        written = clean_write_ins(write_ins)
        if set(written) & set(clean_write_ins([option["name"] for option in ballot_options(poll)])):
            return _("a write-in names a candidate on the ballot")
        if len(set(written)) < len(written):
            return _("the same name is written in more than once")
        yes = sum(1 for v in marks.values() if v == FOR) + len(written)
        if yes > poll.seats:
            return _("more yes-votes than seats")
    return ""


CJK = r"[\u2e80-\u9fff\uf900-\ufaff]"  # CJK radicals, punctuation, kana and ideographs


def clean_write_ins(write_ins) -> list[str]:
    """Write-in names as counted: full-width forms folded (NFKC), spaces collapsed, none between CJK characters."""
    names = []
    for name in write_ins or []:
        name = " ".join(unicodedata.normalize("NFKC", name or "").split())
        name = re.sub(rf"(?<={CJK}) (?={CJK})", "", name)[:50]
        if name:
            names.append(name)
    return names


POLL_LOCK_SPACE = 0x504F4C4C  # "POLL": the PostgreSQL advisory-lock key space of polls


def hold_poll_state(poll_pk: int, *, exclusive: bool = False) -> None:
    """Hold the poll's state steady until the transaction ends.

    A cast holds it shared, so casts run side by side; closing the poll takes it exclusive, so it
    waits for the casts under way and every later cast sees the poll closed: no ballot lands after
    the close. On PostgreSQL a transaction-scoped advisory lock (no row is written); SQLite runs one
    writing transaction at a time anyway.
    """
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [POLL_LOCK_SPACE, poll_pk % 2**31])


def receipt_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def cast_ballot(poll: Poll, *, user, marks: dict, write_ins: list | None = None, keys: set | None = None) -> str:
    """One transaction: lock the voter's roll entry, refuse a second vote, mark it, store the ballot.

    Returns the one-time receipt code with which the voter finds the ballot in the published list.
    """
    write_ins = clean_write_ins(write_ins)
    with transaction.atomic():
        hold_poll_state(poll.pk)
        # only the voter's own roll entry is locked: voters never wait for each other; the poll's status is
        # read under the shared poll lock (its kind, seats and ballot are frozen since it opened)
        entry = (RollEntry.objects.select_for_update(of=("self",))
                 .filter(poll_id=poll.pk, person__user=user, excluded_reason="")
                 .values_list("pk", "poll__status", "channel", "has_voted", "checked_in").first())
        if entry is None:
            raise ElectionError(_("You are not on the roll of this poll."))
        pk, status, channel, has_voted, checked_in = entry
        if status != Poll.Status.OPEN:
            raise ElectionError(_("The poll is not open."))
        if channel == RollEntry.Channel.PAPER:
            raise ElectionError(_("A paper ballot was issued to you: vote on paper."))
        if has_voted:
            raise ElectionError(_("You have already voted; a ballot cannot be changed."))
        if not checked_in:
            raise ElectionError(_("Sign in at the meeting first (E17)."))
        reason = validate_marks(poll, marks, write_ins, keys=keys)
        if reason:
            raise ElectionError(_("This ballot cannot be accepted: %(reason)s.") % {"reason": reason})
        RollEntry.objects.filter(pk=pk).update(has_voted=True, channel=RollEntry.Channel.ONLINE)
        code = secrets.token_hex(5).upper()
        Ballot.objects.create(poll_id=poll.pk, channel=RollEntry.Channel.ONLINE, marks=marks, write_ins=write_ins,
                              receipt_hash=receipt_hash(code))
    return code


@transaction.atomic
def issue_paper_ballot(poll: Poll, person: Person, *, acting_user) -> RollEntry:
    """Issuing a paper ballot closes the online booth for that voter (one channel each).

    Only while the poll is open: an issue after the close would raise 发出 and hide a stuffed ballot (rule 16).
    """
    hold_poll_state(poll.pk)  # like a cast: the close waits for it, and it sees the close
    entry = (RollEntry.objects.select_for_update(of=("self",)).select_related("poll")
             .filter(poll_id=poll.pk, person=person, excluded_reason="").first())
    if entry is None:
        raise ElectionError(_("%(name)s is not on the roll of this poll.") % {"name": person.name})
    if entry.poll.status != Poll.Status.OPEN:
        raise ElectionError(_("The poll is not open."))
    if entry.channel:
        raise ElectionError(_("%(name)s has already voted or received a paper ballot.") % {"name": person.name})
    entry.checked_in, entry.channel, entry.has_voted = True, RollEntry.Channel.PAPER, True
    entry.save(update_fields=["checked_in", "channel", "has_voted"])
    log_event(poll, "paper_issued", {"count": 1}, acting_user)  # the count only: never who
    return entry


@transaction.atomic
def enter_paper_ballot(poll: Poll, *, paper_no: int, counter, marks: dict, write_ins=(), invalid_reason="") -> str:
    """A counter's entry of one paper ballot. Returns 'waiting', 'matched' or 'mismatch'."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status not in {Poll.Status.OPEN, Poll.Status.CLOSED}:
        raise ElectionError(_("Paper ballots are entered while the poll is open or being counted."))
    if poll.candidates.filter(person__user=counter).exists():
        raise ElectionError(_("A candidate cannot count the ballots."))
    write_ins = clean_write_ins(write_ins)
    if not invalid_reason:
        invalid_reason = validate_marks(poll, marks, write_ins)  # an over-marked paper is invalid, not refused
    entry, _created = PaperEntry.objects.update_or_create(
        poll=poll, paper_no=paper_no, counter=counter,
        defaults={"marks": marks, "write_ins": write_ins, "invalid_reason": invalid_reason},
    )
    log_event(poll, "paper_entered", {"paper_no": paper_no, "counter": counter.username}, counter)
    entries = list(PaperEntry.objects.filter(poll=poll, paper_no=paper_no))
    if len(entries) < 2:
        return "waiting"
    if not _entries_agree(entries):
        log_event(poll, "paper_mismatch", {"paper_no": paper_no}, counter)
        return "mismatch"
    return "matched"


def paper_mismatches(poll: Poll) -> list[int]:
    by_no: dict[int, list] = {}
    for e in PaperEntry.objects.filter(poll=poll):
        by_no.setdefault(e.paper_no, []).append(e)
    return sorted(no for no, es in by_no.items() if len(es) < 2 or not _entries_agree(es))


def _entries_agree(entries) -> bool:
    """Every counter's entry of one paper ballot reads the same — a third entry too, not only the first two."""
    readings = [(e.marks, e.write_ins, bool(e.invalid_reason)) for e in entries]
    return all(r == readings[0] for r in readings[1:])


@transaction.atomic
def close_poll(poll: Poll, *, acting_user) -> Poll:
    hold_poll_state(poll.pk, exclusive=True)  # waits for the casts under way; later casts see it closed
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != Poll.Status.OPEN:
        raise ElectionError(_("The poll is not open."))
    poll.status, poll.closed_at = Poll.Status.CLOSED, timezone.now()
    poll.save(update_fields=["status", "closed_at"])
    ballots = erase_casting_order(poll)
    log_event(poll, "closed", {"online_ballots": ballots}, acting_user)
    return poll


BALLOT_FIELDS = ["channel", "marks", "write_ins", "valid", "invalid_reason", "receipt_hash"]


def erase_casting_order(poll: Poll) -> int:
    """Leave no casting order in storage. While the poll was open each ballot was written in casting
    order, in the same transaction as its voter's roll mark: the rows' physical order and, on PostgreSQL,
    their transaction ids (xmin) could tie a ballot to a voter. Closing writes the ballots anew, with
    new random ids, in a random order, and rewrites every roll entry — all in the closing transaction —
    so no live row keeps a casting order or a transaction shared with one voter. (The old row versions
    are dead and cleared by autovacuum.) Receipts still find their ballots: they match the receipt hash.
    """
    ballots = list(Ballot.objects.filter(poll=poll).values_list(*BALLOT_FIELDS))
    secrets.SystemRandom().shuffle(ballots)
    Ballot.objects.filter(poll=poll).delete()
    Ballot.objects.bulk_create([Ballot(poll=poll, **dict(zip(BALLOT_FIELDS, b, strict=True))) for b in ballots],
                               batch_size=2000)
    RollEntry.objects.filter(poll=poll).update(has_voted=F("has_voted"))
    return len(ballots)
