"""counting: 100,000 ballots of a committee election counted (reconciliation, validity, yes-votes, decision)."""

import datetime
import random

from common import result, timed


def add_arguments(parser):
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=9)


def main(args):
    from congress.models import Body, Session, Term
    from elections import counting, services
    from elections.models import Ballot, Candidate, Poll, RollEntry
    from members.models import OrgUnit, Person
    from union_site.bulk import insert_rows

    unit = OrgUnit.objects.create(code="COUNT", name="计票基准工会", kind="grassroots")
    term = Term.objects.create(body=Body.objects.create(unit=unit, kind="member_congress", name="会员代表大会"),
                               number=1, starts_on=datetime.date(2024, 1, 1), years=5)
    session = Session.objects.create(term=term, number=1, title="第一次会议", starts_on=datetime.date(2025, 1, 1),
                                     ends_on=datetime.date(2025, 1, 1))
    poll = Poll.objects.create(session=session, kind="election", title="委员选举", post="member", seats=7,
                               status=Poll.Status.CLOSED, entitled=args.ballots, present=args.ballots,
                               rules=services.rules_for(Poll(kind="election")))
    person_ids = insert_rows(Person, [{"unit_id": unit.pk, "name": f"候选人{i}", "gender": "F"}
                                      for i in range(args.candidates)])
    keys = [str(Candidate.objects.create(poll=poll, person_id=pk).pk) for pk in person_ids]
    voters = insert_rows(Person, [{"unit_id": unit.pk, "name": f"会员{i}", "gender": "M"} for i in range(args.ballots)])
    insert_rows(RollEntry, [{"poll_id": poll.pk, "person_id": pk, "checked_in": True, "channel": "online",
                             "has_voted": True} for pk in voters])
    rng = random.Random(1)
    rows = []
    for _ in range(args.ballots):
        marks = {k: rng.choice(["for", "for", "for", "against", "abstain"]) for k in keys}
        rows.append({"poll_id": poll.pk, "channel": "online", "marks": marks, "write_ins": [], "valid": True,
                     })
    insert_rows(Ballot, rows)
    with timed() as t:
        outcome = counting.tally(Poll.objects.get(pk=poll.pk))
    assert outcome["returned"] == args.ballots and not outcome["void"]
    print(f"# elected {len(outcome['elected'])} of 7, needed {outcome['needed']} yes-votes")
    result(f"counting_{args.ballots}", t["seconds"], "s", "<=", 1)
