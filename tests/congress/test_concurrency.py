"""Two people doing the same thing at once: one wins, the other is told why, nothing is duplicated.
Real threads on PostgreSQL (each with its own connection); row locks and constraints decide."""

import pytest

from congress import proposals
from congress.models import Proposal, ProposalRating, Reply, Seconding
from congress.services import CongressError

from ..concurrency import at_once, errors
from .conftest import _draft, user

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("seeded_roles", "english")]


def test_p8_two_replies_at_once_give_one_reply(submitted, committee_member, department):
    proposal = proposals.review_proposal(submitted, decision="accept", within_powers=True, lawful=True,
                                        feasible=True, acting_user=committee_member)
    proposal = proposals.assign_proposal(proposal, lead=department, acting_user=committee_member)
    handler = department.handlers.get()

    def reply(text):
        return lambda: proposals.reply_to_proposal(proposal, acting_user=handler, outcome="planned", text=text,
                                                  signed_off_by="赵主任")

    outcomes = at_once(reply("列入明年计划"), reply("列入明年计划（重复提交）"))
    assert len(errors(outcomes)) == 1 and isinstance(errors(outcomes)[0], CongressError)
    assert Reply.objects.filter(proposal=proposal).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.REPLIED


def test_p9_two_ratings_at_once_give_one_rating(submitted, committee_member, department, reps):
    proposal = proposals.review_proposal(submitted, decision="accept", within_powers=True, lawful=True,
                                        feasible=True, acting_user=committee_member)
    proposal = proposals.assign_proposal(proposal, lead=department, acting_user=committee_member)
    proposals.reply_to_proposal(proposal, acting_user=department.handlers.get(), outcome="solved", text="已解决",
                               signed_off_by="赵主任")
    proposer = user(reps[0])
    outcomes = at_once(lambda: proposals.rate_reply(proposal, acting_user=proposer, rating="satisfied"),
                       lambda: proposals.rate_reply(proposal, acting_user=proposer, rating="unsatisfied"))
    assert len(errors(outcomes)) == 1
    assert ProposalRating.objects.count() == 1
    rating = ProposalRating.objects.get().rating
    # the proposal follows the one rating that was stored: closed when satisfied, back to the committee if not
    expected = Proposal.Status.CLOSED if rating == "satisfied" else Proposal.Status.REDO
    assert Proposal.objects.get(pk=proposal.pk).status == expected


def test_p1_a_seconder_signing_twice_at_once_signs_once(session, reps):
    proposal = _draft(session, reps[0])
    proposals.invite_seconders(proposal, reps[1:3], acting_user=user(reps[0]))
    outcomes = at_once(*[lambda: proposals.second_proposal(proposal, acting_user=user(reps[1]))] * 5)
    assert not errors(outcomes)
    assert Seconding.objects.filter(proposal=proposal, representative=reps[1], state="signed").count() == 1


def test_proposals_submitted_at_once_get_distinct_numbers(session, reps):
    drafts = []
    for author in reps[:6]:
        proposal = _draft(session, author)
        others = [r for r in reps if r != author][:2]
        proposals.invite_seconders(proposal, others, acting_user=user(author))
        for rep in others:
            proposals.second_proposal(proposal, acting_user=user(rep))
        drafts.append((proposal, user(author)))
    outcomes = at_once(*[lambda p=p, u=u: proposals.submit_proposal(p, acting_user=u) for p, u in drafts])
    assert not errors(outcomes)
    numbers = list(Proposal.objects.values_list("number", flat=True))
    assert len(numbers) == 6 and len(set(numbers)) == 6
