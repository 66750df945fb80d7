"""The election engine, each test naming the rule it checks (E16–E24, M10, K4)."""

import datetime
import json
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection

from congress import services as congress_services
from elections import counting, services
from elections.models import Ballot, PaperEntry, Poll, PollEvent, RollEntry
from elections.services import ElectionError
from members.models import PostHolding

from ..factories import MembershipFactory, SessionFactory, TermFactory, UserFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def voters(voters, school):
    """The nine voters, and one retained member (no vote, M10)."""
    MembershipFactory(person__unit=school, status="retained", retention_reason="retired")
    return voters


def chair_poll(session, voters, officer, *, candidates=("王芳", "李明"), published_days=8):
    poll = services.create_poll(session, kind="election", title="工会主席选举", post="chair", seats=1,
                                acting_user=officer)
    for person in voters:
        if person.name in candidates:
            services.add_candidate(poll, person, acting_user=officer)
    poll.candidates_published_on = datetime.date.today() - datetime.timedelta(days=published_days)
    poll.save()
    services.freeze_roll(poll, acting_user=officer)
    return poll


def sign_in(poll, people, officer):
    for person in people:
        services.check_in(poll, person, acting_user=officer)


def cand(poll, name):
    return str(poll.candidates.get(person__name=name).pk)


def test_ballot_table_has_no_link_to_a_voter_no_time_and_a_random_id():
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert not fields & {"voter", "person", "user", "roll", "created_at", "cast_at", "ip", "seq"}
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"


def test_m10_roll_excludes_retained_members(session, voters, officer):
    poll = chair_poll(session, voters, officer)
    assert poll.roll.count() == 9 and Poll.objects.get(pk=poll.pk).entitled == 9


def test_e17_poll_opens_only_at_two_thirds_signed_in(session, voters, officer):
    poll = chair_poll(session, voters, officer)
    sign_in(poll, voters[:5], officer)
    with pytest.raises(ElectionError, match="opens at 6"):
        services.open_poll(poll, acting_user=officer)
    sign_in(poll, voters[5:6], officer)
    poll = services.open_poll(poll, acting_user=officer)
    assert (poll.status, poll.entitled, poll.present) == ("open", 9, 6)
    assert poll.rules["E17_quorum"] == "2/3"  # frozen with the poll


def test_e21_chair_needs_more_candidates_than_seats_and_seven_days_notice(session, voters, officer):
    poll = chair_poll(session, voters, officer, candidates=("王芳",), published_days=3)
    sign_in(poll, voters, officer)
    with pytest.raises(ElectionError, match="more candidates than seats") as exc:
        services.open_poll(poll, acting_user=officer)
    assert "at least 7" in str(exc.value)


def test_e18_committee_margin_of_five_percent(session, voters, officer):
    poll = services.create_poll(session, kind="election", title="委员选举", post="audit_member", seats=3,
                                acting_user=officer)
    for person in voters[:3]:
        services.add_candidate(poll, person, acting_user=officer)
    check = {rule: ok for rule, ok, _m in services.candidate_checks(poll)}
    assert check["E18"] is False  # 3 seats need ceil(3.15) = 4 candidates
    services.add_candidate(poll, voters[3], acting_user=officer)
    assert {rule: ok for rule, ok, _m in services.candidate_checks(poll)}["E18"]


def test_e22_ineligible_candidates_are_refused(session, voters, officer):
    poll = services.create_poll(session, kind="election", title="主席", post="chair", acting_user=officer)
    with pytest.raises(ElectionError, match="E22"):
        services.add_candidate(poll, voters[0], acting_user=officer, declarations={"hr_head"})


def test_candidates_are_listed_in_stroke_order_e21(session, voters, officer):
    poll = chair_poll(session, voters, officer, candidates=("王芳", "李明", "刘洋", "张伟"))
    assert [c.person.name for c in services.candidates_in_order(poll)] == ["王芳", "刘洋", "张伟", "李明"]


def open_chair_poll(session, voters, officer):
    poll = chair_poll(session, voters, officer)
    sign_in(poll, voters, officer)
    return services.open_poll(poll, acting_user=officer)


def test_one_vote_per_voter_no_revote_and_over_voting_refused_online(session, voters, officer):
    poll = open_chair_poll(session, voters, officer)
    user = voters[0].user
    with pytest.raises(ElectionError, match="more yes-votes than seats"):
        services.cast_ballot(poll, user=user, marks={cand(poll, "王芳"): "for", cand(poll, "李明"): "for"})
    code = services.cast_ballot(poll, user=user, marks={cand(poll, "王芳"): "for", cand(poll, "李明"): "against"})
    assert len(code) == 10
    with pytest.raises(ElectionError, match="already voted"):
        services.cast_ballot(poll, user=user, marks={cand(poll, "李明"): "for"})
    assert Ballot.objects.count() == 1
    assert Ballot.objects.get().receipt_hash == services.receipt_hash(code)  # the receipt finds the ballot


def test_a_paper_ballot_closes_the_online_booth(session, voters, officer):
    poll = open_chair_poll(session, voters, officer)
    services.issue_paper_ballot(poll, voters[1], acting_user=officer)
    with pytest.raises(ElectionError, match="paper ballot"):
        services.cast_ballot(poll, user=voters[1].user, marks={})
    with pytest.raises(ElectionError, match="already voted or received"):
        services.issue_paper_ballot(poll, voters[1], acting_user=officer)


def test_e19_no_proxy_a_voter_casts_only_their_own_ballot(session, voters, officer):
    poll = open_chair_poll(session, voters, officer)
    outsider = UserFactory(username="outsider")
    with pytest.raises(ElectionError, match="not on the roll"):
        services.cast_ballot(poll, user=outsider, marks={})


def test_paper_double_entry_flags_mismatches_and_counts_over_marked_ballots_invalid(session, voters, officer):
    poll = open_chair_poll(session, voters, officer)
    a, b = UserFactory(username="counter-a"), UserFactory(username="counter-b")
    services.issue_paper_ballot(poll, voters[2], acting_user=officer)
    services.issue_paper_ballot(poll, voters[3], acting_user=officer)
    yes = {cand(poll, "王芳"): "for"}
    assert services.enter_paper_ballot(poll, paper_no=1, counter=a, marks=yes) == "waiting"
    assert services.enter_paper_ballot(poll, paper_no=1, counter=b, marks={cand(poll, "李明"): "for"}) == "mismatch"
    assert services.paper_mismatches(poll) == [1]
    assert services.enter_paper_ballot(poll, paper_no=1, counter=b, marks=yes) == "matched"
    both = {cand(poll, "王芳"): "for", cand(poll, "李明"): "for"}  # over-marked: invalid, not refused
    services.enter_paper_ballot(poll, paper_no=2, counter=a, marks=both)
    services.enter_paper_ballot(poll, paper_no=2, counter=b, marks=both)
    services.close_poll(poll, acting_user=officer)
    result = counting.count_poll(poll, acting_user=officer)
    assert (result["returned"], result["valid"], result["invalid"]) == (2, 1, 1)
    assert PaperEntry.objects.count() == 4


def test_e17_elected_needs_more_than_half_of_those_entitled_not_of_votes_cast(session, voters, officer):
    poll = open_chair_poll(session, voters, officer)
    for person in voters[:6]:  # 6 ballots, all for 王芳 except one
        mark = "for" if person != voters[5] else "abstain"
        services.cast_ballot(poll, user=person.user, marks={cand(poll, "王芳"): mark})
    services.close_poll(poll, acting_user=officer)
    result = counting.count_poll(poll, acting_user=officer)
    # 5 yes of 6 cast is a majority of votes cast, but 5 ≤ 9/2 is not more than half of 应到会 (9)
    assert result["needed"] == 5 and result["elected"] == [{"name": "王芳", "votes": 5, "candidate": int(cand(poll, "王芳"))}]


def test_e17_four_of_nine_is_not_enough(session, voters, officer):
    poll = open_chair_poll(session, voters, officer)
    for person in voters[:4]:
        services.cast_ballot(poll, user=person.user, marks={cand(poll, "王芳"): "for"})
    services.close_poll(poll, acting_user=officer)
    result = counting.count_poll(poll, acting_user=officer)
    assert result["elected"] == [] and result["unfilled"] == 1


def open_audit_poll(session, voters, officer):
    """An open election of two audit committee members among the first three voters, all nine signed in."""
    poll = services.create_poll(session, kind="election", title="经审委员", post="audit_member", seats=2,
                                acting_user=officer)
    for person in voters[:3]:
        services.add_candidate(poll, person, acting_user=officer)
    poll.candidates_published_on = datetime.date.today() - datetime.timedelta(days=10)
    poll.save()
    services.freeze_roll(poll, acting_user=officer)
    sign_in(poll, voters, officer)
    services.open_poll(poll, acting_user=officer)
    return poll


def test_a_tie_for_the_last_seat_makes_a_tie_round(session, voters, officer):
    poll = open_audit_poll(session, voters, officer)
    a, b, c = (cand(poll, n) for n in ("王芳", "李明", "张伟"))
    ballots = [{a: "for", b: "for"}] * 3 + [{a: "for", c: "for"}] * 3 + [{b: "for", c: "for"}] * 2 + [{a: "for"}]
    for person, marks in zip(voters, ballots, strict=True):
        services.cast_ballot(poll, user=person.user, marks=marks)
    services.close_poll(poll, acting_user=officer)
    result = counting.count_poll(poll, acting_user=officer)
    assert {r["name"]: r["for"] for r in result["rows"]} == {"王芳": 7, "李明": 5, "张伟": 5}
    assert [e["name"] for e in result["elected"]] == ["王芳"]  # 7 > 9/2
    assert sorted(t["name"] for t in result["tie_round"]) == ["张伟", "李明"]  # 5 and 5 for the last seat
    assert result["unfilled"] == 0


def test_returned_more_than_issued_voids_the_election(session, voters, officer):
    poll = open_chair_poll(session, voters, officer)
    services.cast_ballot(poll, user=voters[0].user, marks={cand(poll, "王芳"): "for"})
    Ballot.objects.create(poll=poll, channel="paper", marks={})  # a stuffed ballot nobody was issued
    services.close_poll(poll, acting_user=officer)
    result = counting.count_poll(poll, acting_user=officer)
    assert result["void"] and Poll.objects.get(pk=poll.pk).status == "void"


def test_approval_writes_the_chair_into_the_committee(session, voters, officer):
    poll = open_chair_poll(session, voters, officer)
    for person in voters[:6]:
        services.cast_ballot(poll, user=person.user, marks={cand(poll, "李明"): "for"})
    services.close_poll(poll, acting_user=officer)
    counting.count_poll(poll, acting_user=officer)
    with pytest.raises(ElectionError, match="approving union"):
        counting.approve_poll(poll, approved_by="", approval_ref="", acting_user=officer)
    counting.approve_poll(poll, approved_by="县教育工会", approval_ref="县教工〔2026〕9号", acting_user=officer)
    chair = PostHolding.objects.get(post="chair", ended_on__isnull=True)
    assert chair.person.name == "李明" and chair.committee.unit == poll.unit


def test_k4_resolution_vote_sets_the_congress_resolution(session, voters, officer):
    resolution = congress_services.create_resolution(session, title="会员福利方案", text="…", acting_user=officer)
    poll = services.create_poll(session, kind="resolution", title="表决：会员福利方案", resolution=resolution,
                                acting_user=officer)
    services.freeze_roll(poll, acting_user=officer)
    sign_in(poll, voters, officer)
    services.open_poll(poll, acting_user=officer)
    for person in voters[:5]:
        services.cast_ballot(poll, user=person.user, marks={"motion": "for"})
    services.cast_ballot(poll, user=voters[5].user, marks={"motion": "against"})
    services.close_poll(poll, acting_user=officer)
    counting.count_poll(poll, acting_user=officer)
    resolution.refresh_from_db()
    assert resolution.passed and resolution.votes_for == 5 and resolution.entitled == 9 and resolution.locked_at


def test_e24_confidence_vote_flags_and_removal_majority(session, voters, officer):
    poll = services.create_poll(session, kind="confidence", title="民主评议", acting_user=officer)
    services.add_candidate(poll, voters[0], acting_user=officer)
    services.freeze_roll(poll, acting_user=officer)
    sign_in(poll, voters, officer)
    services.open_poll(poll, acting_user=officer)
    key = cand(poll, "王芳")
    for i, person in enumerate(voters):
        services.cast_ballot(poll, user=person.user, marks={key: "distrust" if i < 5 else "trust"})
    services.close_poll(poll, acting_user=officer)
    row = counting.count_poll(poll, acting_user=officer)["rows"][0]
    assert row["below_half"] and row["removal_majority"]  # 5 of 9 is more than half of ALL (E24)


def test_the_log_is_a_hash_chain_and_tampering_is_detected(session, voters, officer, capsys):
    poll = open_chair_poll(session, voters, officer)
    services.cast_ballot(poll, user=voters[0].user, marks={cand(poll, "王芳"): "for"})
    services.close_poll(poll, acting_user=officer)
    call_command("verify_poll_log", str(poll.pk))
    assert "chain intact" in capsys.readouterr().out
    kinds = list(PollEvent.objects.filter(poll=poll).values_list("kind", flat=True))
    assert "opened" in kinds and "closed" in kinds and "cast" not in kinds  # casting is never logged per voter
    with pytest.raises(PermissionDenied):  # the application never rewrites the log …
        PollEvent.objects.filter(poll=poll, kind="opened").update(data={"entitled": 99})
    with connection.cursor() as cursor:  # … but someone with the database might
        cursor.execute("UPDATE elections_pollevent SET data = %s WHERE poll_id = %s AND kind = 'opened'",
                       ['{"entitled": 99}', poll.pk])
    with pytest.raises(SystemExit) as exc:
        call_command("verify_poll_log", str(poll.pk))
    assert exc.value.code == 1


def open_three_voter_poll(school, officer):
    """An open chair election with three signed-in voters, two of them candidates; and the first candidate's key."""
    session = SessionFactory(term=TermFactory(body__unit=school, body__kind="member_assembly"))
    voters = [MembershipFactory(person__unit=school, person__user=UserFactory(username=f"p{i}")).person
              for i in range(3)]
    poll = chair_poll(session, voters, officer, candidates=[voters[0].name, voters[1].name])
    sign_in(poll, voters, officer)
    services.open_poll(poll, acting_user=officer)
    return poll, voters, str(poll.candidates.first().pk)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_roles")
def test_fifty_simultaneous_casts_by_one_voter_give_one_ballot(school, officer):
    poll, voters, key = open_three_voter_poll(school, officer)
    outcomes, barrier = [], threading.Barrier(50)

    def cast():
        barrier.wait()
        try:
            services.cast_ballot(poll, user=voters[2].user, marks={key: "for"})
            outcomes.append("ok")
        except ElectionError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=cast) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 49
    assert Ballot.objects.filter(poll=poll).count() == 1
    assert RollEntry.objects.get(poll=poll, person=voters[2]).has_voted


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_roles")
def test_five_hundred_voters_casting_at_once_give_five_hundred_ballots(school, officer):
    from concurrent.futures import ThreadPoolExecutor

    from members.models import Membership, Person

    session = SessionFactory(term=TermFactory(body__unit=school, body__kind="member_assembly"))
    users = [UserFactory.build(username=f"m{i}") for i in range(500)]
    type(users[0]).objects.bulk_create(users)
    users = list(type(users[0]).objects.filter(username__startswith="m").order_by("pk"))
    people = Person.objects.bulk_create([Person(unit=school, name=f"会员{i}", gender="F", user=u)
                                         for i, u in enumerate(users)])
    Membership.objects.bulk_create([Membership(person=p, union=school, status="active", card_no=f"M{i}")
                                    for i, p in enumerate(people)])
    poll = chair_poll(session, people, officer, candidates=[people[0].name, people[1].name])
    RollEntry.objects.filter(poll=poll).update(checked_in=True)
    services.open_poll(poll, acting_user=officer)
    key = str(poll.candidates.first().pk)

    def cast(user):
        try:
            services.cast_ballot(poll, user=user, marks={key: "for"})
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(cast, users))
    assert Ballot.objects.filter(poll=poll).count() == 500
    assert RollEntry.objects.filter(poll=poll, has_voted=True).count() == 500


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_roles")
def test_closing_waits_for_the_casts_under_way_and_no_ballot_lands_after_it(school, officer):
    poll, voters, key = open_three_voter_poll(school, officer)
    casting, release, closed = threading.Event(), threading.Event(), threading.Event()

    def slow_cast():  # a cast that has taken the poll's shared lock and is still writing
        try:
            from django.db import transaction

            with transaction.atomic():
                services.hold_poll_state(poll.pk)
                casting.set()
                release.wait(10)
                services.cast_ballot(poll, user=voters[0].user, marks={key: "for"})
        finally:
            connection.close()

    def close():
        try:
            casting.wait(10)
            services.close_poll(poll, acting_user=officer)
            closed.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=slow_cast), threading.Thread(target=close)]
    for t in threads:
        t.start()
    casting.wait(10)
    assert not closed.wait(0.5)  # the close waits for the cast under way
    release.set()
    for t in threads:
        t.join(15)
    assert closed.is_set()
    assert Ballot.objects.filter(poll=poll).count() == 1  # the cast under way counts
    with pytest.raises(ElectionError, match="not open"):  # and nothing after the close does
        services.cast_ballot(poll, user=voters[1].user, marks={key: "for"})
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_officers_choose_the_reading_of_two_thirds_before_opening(session, voters, officer):
    poll = chair_poll(session, voters, officer)
    counting.choose_rules(poll, choices={"E17_quorum_inclusive": False}, acting_user=officer)
    sign_in(poll, voters[:6], officer)  # exactly two thirds of 9
    with pytest.raises(ElectionError, match="opens at 7"):
        services.open_poll(poll, acting_user=officer)  # "more than two thirds" needs 7
    sign_in(poll, voters[6:7], officer)
    poll = services.open_poll(poll, acting_user=officer)
    assert poll.rules["E17_quorum_inclusive"] is False
    with pytest.raises(ElectionError, match="frozen"):
        counting.choose_rules(poll, choices={"E17_quorum_inclusive": True}, acting_user=officer)


def test_confidence_below_half_two_years_running(session, voters, officer, time_machine):
    def confidence_vote(year, distrust):
        time_machine.move_to(datetime.datetime(year, 12, 1, 9, tzinfo=datetime.UTC))
        poll = services.create_poll(session, kind="confidence", title=f"{year}年民主评议", acting_user=officer)
        services.add_candidate(poll, voters[0], acting_user=officer)
        services.freeze_roll(poll, acting_user=officer)
        sign_in(poll, voters, officer)
        services.open_poll(poll, acting_user=officer)
        key = cand(poll, "王芳")
        for i, person in enumerate(voters):
            services.cast_ballot(poll, user=person.user, marks={key: "distrust" if i < distrust else "trust"})
        services.close_poll(poll, acting_user=officer)
        return counting.count_poll(poll, acting_user=officer)["rows"][0]

    first = confidence_vote(2025, 5)
    assert first["below_half"] and not first["two_years_running"]
    second = confidence_vote(2026, 6)
    assert second["below_half"] and second["two_years_running"]


def test_a_tie_round_is_prepared_among_those_tied(session, voters, officer):
    test_a_tie_for_the_last_seat_makes_a_tie_round(session, voters, officer)
    poll = Poll.objects.get(title="经审委员")
    further = counting.start_further_round(poll, acting_user=officer)
    assert further.seats == 1 and sorted(c.person.name for c in further.candidates.all()) == ["张伟", "李明"]
    assert further.session == poll.session and further.status == "draft"


def test_scrutineers_and_counters_cannot_stand(session, voters, officer):
    from django.contrib.auth.models import Group

    from union_site import roles

    voters[0].user.groups.add(Group.objects.get(name=roles.SCRUTINEER))
    poll = services.create_poll(session, kind="election", title="主席", post="chair", acting_user=officer)
    with pytest.raises(ElectionError, match="scrutineer or counter"):
        services.add_candidate(poll, voters[0], acting_user=officer)


def test_a_candidate_cannot_count_paper_ballots(session, voters, officer):
    poll = open_chair_poll(session, voters, officer)
    with pytest.raises(ElectionError, match="candidate cannot count"):
        services.enter_paper_ballot(poll, paper_no=1, counter=voters[0].user, marks={})


def test_exclusion_needs_a_reason_and_lowers_the_number_entitled(session, voters, officer):
    poll = chair_poll(session, voters, officer)
    with pytest.raises(ElectionError, match="reason"):
        services.exclude_from_roll(poll, voters[8], reason="", acting_user=officer)
    services.exclude_from_roll(poll, voters[8], reason="已调离本单位", acting_user=officer)
    assert services.gate(poll)["entitled"] == 8
    assert PollEvent.objects.filter(poll=poll, kind="excluded").exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_roles")
def test_closing_leaves_no_casting_order_or_shared_transaction_in_the_stored_rows(school, officer):
    """Each cast wrote its ballot and its voter's roll mark in one transaction, in casting order; after the
    close no live row keeps that order (physical order) or that transaction id (PostgreSQL's xmin)."""
    from django.contrib.auth import get_user_model

    from members.models import Membership, Person

    session = SessionFactory(term=TermFactory(body__unit=school, body__kind="member_assembly"))
    users = get_user_model().objects.bulk_create([UserFactory.build(username=f"s{i}") for i in range(40)])
    people = Person.objects.bulk_create([Person(unit=school, name=f"会员{i}", gender="F", user=u)
                                         for i, u in enumerate(users)])
    Membership.objects.bulk_create([Membership(person=p, union=school, status="active", card_no=f"S{i}")
                                    for i, p in enumerate(people)])
    poll = chair_poll(session, people, officer, candidates=[people[0].name, people[1].name])
    RollEntry.objects.filter(poll=poll).update(checked_in=True)
    services.open_poll(poll, acting_user=officer)
    for i, user in enumerate(users):  # one transaction per cast, a distinct write-in each, in a known order
        services.cast_ballot(poll, user=user, marks={}, write_ins=[f"他人{i:02d}"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT xmin::text) FROM elections_ballot WHERE poll_id = %s", [poll.pk])
        assert cursor.fetchone()[0] == 40  # before the close: one transaction per ballot, shared with a roll mark
    receipt_hashes = set(Ballot.objects.filter(poll=poll).values_list("receipt_hash", flat=True))
    services.close_poll(poll, acting_user=officer)
    with connection.cursor() as cursor:
        cursor.execute("SELECT write_ins FROM elections_ballot WHERE poll_id = %s ORDER BY ctid", [poll.pk])
        stored = [json.loads(w)[0] if isinstance(w, str) else w[0] for (w,) in cursor.fetchall()]
        cursor.execute("SELECT DISTINCT xmin::text FROM elections_ballot WHERE poll_id = %s "
                       "UNION SELECT DISTINCT xmin::text FROM elections_rollentry WHERE poll_id = %s",
                       [poll.pk, poll.pk])
        transactions = cursor.fetchall()
    assert len(stored) == 40 and sorted(stored) == [f"他人{i:02d}" for i in range(40)]
    in_order = sum(a < b for a, b in zip(stored, stored[1:], strict=False))
    assert in_order < 32  # casting order would give 39 of 39; a shuffle gives about half
    assert len(transactions) == 1  # every ballot and roll entry now carries the closing transaction only
    assert set(Ballot.objects.filter(poll=poll).values_list("receipt_hash", flat=True)) == receipt_hashes


@pytest.mark.parametrize("name, stands", [("刘洋", True), ("钱七", False)])
def test_a_written_in_name_tied_for_the_last_seat_stands_in_the_further_round(session, voters, officer, name, stands):
    """Rule 14 (另选他人): a write-in counts like a candidate, so a tie with one is settled by a further round
    in which that member stands; a name no single member has is left for the officers to add."""
    poll = open_audit_poll(session, voters, officer)
    a, b = cand(poll, "王芳"), cand(poll, "李明")
    spaced = " ".join(name)  # "刘 洋": counted as the same name
    ballots = ([({a: "for", b: "for"}, [])] * 3 + [({a: "for"}, [name])] * 3 + [({b: "for"}, [spaced])] * 2
               + [({a: "for"}, [])])
    for person, (marks, write_ins) in zip(voters, ballots, strict=True):
        services.cast_ballot(poll, user=person.user, marks=marks, write_ins=write_ins)
    services.close_poll(poll, acting_user=officer)
    result = counting.count_poll(poll, acting_user=officer)
    assert [e["name"] for e in result["elected"]] == ["王芳"]  # 7 > 9/2
    assert sorted(t["name"] for t in result["tie_round"]) == sorted([name, "李明"])  # 5 and 5
    further = counting.start_further_round(poll, acting_user=officer)
    standing = sorted(c.person.name for c in further.candidates.all())
    if stands:  # 刘洋 is one member of the union
        assert standing == sorted([name, "李明"]) and further.names_to_add == []
    else:  # nobody of that name: the officers add the right person
        assert standing == ["李明"] and further.names_to_add == [name]
