"""Poll pages: the officers' poll page, the voter's booth, paper entry by counters, and the published ballots."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from congress.models import Session
from members.models import Person
from union_site import roles
from union_site.pdf import render_pdf

from . import counting, services
from .forms import ApprovalForm, BallotForm, CandidateForm, PaperEntryForm, PollForm
from .models import Ballot, Poll, RollEntry


def _poll(request, pk):
    return get_object_or_404(Poll.objects.visible_to(request.user).select_related("session__term__body__unit"), pk=pk)


@login_required
def poll_list(request):
    person = Person.objects.filter(user=request.user).first()
    mine = Poll.objects.filter(roll__person=person, roll__excluded_reason="") if person else Poll.objects.none()
    managed = Poll.objects.visible_to(request.user) if request.user.has_perm("elections.view_poll") else Poll.objects.none()
    return render(request, "elections/poll_list.html", {
        "mine": mine.select_related("session").order_by("-created_at")[:50],
        "managed": managed.select_related("session").order_by("-created_at")[:100],
    })


@login_required
@permission_required("elections.add_poll", raise_exception=True)
def poll_create(request, session_pk):
    session = get_object_or_404(Session.objects.visible_to(request.user), pk=session_pk)
    form = PollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            poll = services.create_poll(session, acting_user=request.user, **form.cleaned_data)
        except services.ElectionError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("elections:poll-detail", pk=poll.pk)
    return render(request, "elections/form.html", {"form": form, "title": _("New poll"), "session": session})


@login_required
@permission_required("elections.view_poll", raise_exception=True)
def poll_detail(request, pk):
    poll = _poll(request, pk)
    roll = poll.roll.select_related("person").order_by("person__name")
    return render(request, "elections/poll_detail.html", {
        "poll": poll,
        "candidates": services.candidates_in_order(poll),
        "checks": services.candidate_checks(poll),
        "gate": services.gate(poll),
        "roll": roll,
        "turnout": roll.filter(has_voted=True).count(),
        "candidate_form": CandidateForm(poll=poll) if poll.status == Poll.Status.DRAFT else None,
        "approval_form": ApprovalForm() if poll.status == Poll.Status.COUNTED else None,
        "mismatches": services.paper_mismatches(poll),
        "chain_ok": services.verify_chain(poll)[0],
        "is_scrutineer": roles.has_role(request.user, roles.SCRUTINEER),
        "rule_table": counting.rule_table(poll),
        "rule_choices": counting.RULE_CHOICES,
    })


ACTIONS = {
    "publish": lambda poll, request: services.publish_candidates(poll, acting_user=request.user),
    "roll": lambda poll, request: services.freeze_roll(poll, acting_user=request.user),
    "open": lambda poll, request: services.open_poll(poll, acting_user=request.user),
    "close": lambda poll, request: services.close_poll(poll, acting_user=request.user),
    "count": lambda poll, request: counting.count_poll(poll, acting_user=request.user),
}


@require_POST
@login_required
@permission_required("elections.change_poll", raise_exception=True)
def poll_action(request, pk, action):
    poll = _poll(request, pk)
    try:
        if action in ACTIONS:
            ACTIONS[action](poll, request)
        elif action == "candidate":
            form = CandidateForm(request.POST, poll=poll)
            if not form.is_valid():
                raise services.ElectionError(" ".join(e for es in form.errors.values() for e in es))
            services.add_candidate(poll, form.cleaned_data["person"], acting_user=request.user,
                                   nominated_by=form.cleaned_data["nominated_by"],
                                   declarations=form.cleaned_data["declarations"])
        elif action in {"check-in", "paper"}:
            person = get_object_or_404(Person, pk=request.POST.get("person"), pk__in=poll.roll.values("person"))
            if action == "check-in":
                services.check_in(poll, person, acting_user=request.user)
            else:
                services.issue_paper_ballot(poll, person, acting_user=request.user)
        elif action == "rules":
            choices = {k: request.POST.get(k) for k in counting.RULE_CHOICES}
            choices["E17_quorum_inclusive"] = choices["E17_quorum_inclusive"] == "True"
            counting.choose_rules(poll, choices=choices, acting_user=request.user)
        elif action == "further":
            further = counting.start_further_round(poll, acting_user=request.user)
            messages.success(request, _("The further round is ready."))
            if further.names_to_add:
                messages.warning(request, _("Written-in names tied for the last seat: %(names)s. No single member "
                                            "has that name; add the right person as a candidate.")
                                 % {"names": "、".join(further.names_to_add)})
            return redirect("elections:poll-detail", pk=further.pk)
        elif action == "exclude":
            person = get_object_or_404(Person, pk=request.POST.get("person"), pk__in=poll.roll.values("person"))
            services.exclude_from_roll(poll, person, reason=request.POST.get("reason", ""), acting_user=request.user)
        elif action == "approve":
            form = ApprovalForm(request.POST)
            if not form.is_valid():
                raise services.ElectionError(_("Enter the approving union and its reference."))
            counting.approve_poll(poll, acting_user=request.user, **form.cleaned_data)
        else:
            raise Http404
    except services.ElectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done."))
    return redirect("elections:poll-detail", pk=poll.pk)


@require_POST
@login_required
@permission_required("elections.add_poll", raise_exception=True)
def resolution_vote(request):
    """A secret vote on a congress resolution (K4): the same engine, the congress's result set by the count."""
    from congress.models import Resolution

    resolution = get_object_or_404(Resolution.objects.visible_to(request.user), pk=request.POST.get("resolution"))
    try:
        poll = services.create_poll(resolution.session, kind=Poll.Kind.RESOLUTION, resolution=resolution,
                                    title=_("Vote: %(title)s") % {"title": resolution.title}, acting_user=request.user)
    except services.ElectionError as exc:
        messages.error(request, str(exc))
        return redirect("congress:session-detail", pk=resolution.session_id)
    return redirect("elections:poll-detail", pk=poll.pk)


@login_required
def booth(request, pk):
    """The voter's ballot: only for those on the roll, signed in, and not yet voted (one channel each)."""
    poll = get_object_or_404(Poll, pk=pk)
    checking_in = request.method == "POST" and request.POST.get("check_in")
    form = BallotForm(request.POST or None, poll=poll) if poll.status == Poll.Status.OPEN else None
    if request.method == "POST" and not checking_in and form is not None and form.is_valid():
        # cast_ballot checks the roll under the lock, so a cast needs no look-up before it
        try:
            code = services.cast_ballot(poll, user=request.user, marks=form.marks(), write_ins=form.write_ins(),
                                        keys=form.option_keys())
        except services.ElectionError as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "elections/receipt.html", {"poll": poll, "code": code})
    entry = RollEntry.objects.filter(poll=poll, person__user=request.user, excluded_reason="").first()
    if entry is None:
        raise Http404(_("You are not on the roll of this poll."))
    if checking_in and not entry.checked_in:
        services.check_in(poll, entry.person, acting_user=request.user)
        return redirect("elections:booth", pk=poll.pk)
    return render(request, "elections/booth.html", {"poll": poll, "entry": entry, "form": form})


@login_required
def paper_entry(request, pk):
    """A counter enters paper ballots; a second counter enters the same ballots independently."""
    if not request.user.has_perm("elections.add_paperentry"):
        raise PermissionDenied
    poll = _poll(request, pk)
    form = PaperEntryForm(request.POST or None, poll=poll)
    if request.method == "POST" and form.is_valid():
        try:
            state = services.enter_paper_ballot(
                poll, paper_no=form.cleaned_data["paper_no"], counter=request.user, marks=form.marks(),
                write_ins=form.write_ins(), invalid_reason=form.cleaned_data["invalid_reason"],
            )
        except services.ElectionError as exc:
            form.add_error(None, str(exc))
        else:
            labels = {"waiting": _("Saved; waiting for the second counter."),
                      "matched": _("Both counters agree."),
                      "mismatch": _("The two entries differ: the scrutineers check this paper ballot.")}
            messages.info(request, labels[state])
            return redirect("elections:paper-entry", pk=poll.pk)
    return render(request, "elections/paper_entry.html", {"poll": poll, "form": form})


@login_required
def ballots(request, pk):
    """After closing: every ballot, in random order, and a voter's receipt code finds their own."""
    poll = get_object_or_404(Poll, pk=pk)
    if poll.status in {Poll.Status.DRAFT, Poll.Status.OPEN}:
        raise Http404(_("Ballots are published after the poll closes."))
    # published to those who could vote and to the officers of the union, not to every account of the site
    on_roll = poll.roll.filter(person__user=request.user).exists()
    if not on_roll and not (request.user.has_perm("elections.view_poll")
                            and Poll.objects.visible_to(request.user).filter(pk=poll.pk).exists()):
        raise Http404(_("You are not on the roll of this poll."))
    code = (request.GET.get("receipt") or "").strip().upper()
    found = Ballot.objects.filter(poll=poll, receipt_hash=services.receipt_hash(code)).first() if code else None
    names = {str(c.pk): c.person.name for c in poll.candidates.select_related("person")}
    rows = [(b, {names.get(k, k): v for k, v in b.marks.items()}) for b in Ballot.objects.filter(poll=poll)]
    return render(request, "elections/ballots.html", {"poll": poll, "rows": rows, "found": found, "code": code})


@login_required
@permission_required("elections.view_poll", raise_exception=True)
def ballot_papers(request, pk):
    """Paper ballots in stroke order (E21), numbered, one per page."""
    poll = _poll(request, pk)
    count = min(max(int(request.GET.get("count", "1") or 1) if request.GET.get("count", "1").isdigit() else 1, 1), 500)
    if poll.kind == Poll.Kind.CONFIDENCE:
        labels = [_("Trust"), _("Basic trust"), _("No trust")]
    else:
        labels = [pgettext("ballot", "Yes"), pgettext("ballot", "No"), _("Abstain")]
    pdf = render_pdf("elections/pdf/ballot_papers.html", {
        "poll": poll, "candidates": services.candidates_in_order(poll), "labels": labels,
        "papers": range(1, count + 1), "write_in_rows": range(poll.seats),
    })
    return HttpResponse(pdf, content_type="application/pdf")


@login_required
@permission_required("elections.view_poll", raise_exception=True)
def poll_sign_in_sheet(request, pk):
    """The printable sign-in sheet of the roll (who signed in — never how anyone voted)."""
    poll = _poll(request, pk)
    roll = poll.roll.filter(excluded_reason="").select_related("person").order_by("person__name")
    pdf = render_pdf("elections/pdf/sign_in_sheet.html", {"poll": poll, "roll": roll, "gate": services.gate(poll)})
    return HttpResponse(pdf, content_type="application/pdf")


@login_required
@permission_required("elections.view_poll", raise_exception=True)
def result_report(request, pk):
    """The 选举结果报告单 for the higher union: every figure, the scrutineers and signature lines."""
    poll = _poll(request, pk)
    if not poll.result:
        raise Http404(_("The poll has not been counted."))
    counters = sorted({e.counter.display_name for e in poll.paper_entries.select_related("counter")})
    pdf = render_pdf("elections/pdf/result_report.html", {"poll": poll, "r": poll.result, "scrutineers": counters})
    return HttpResponse(pdf, content_type="application/pdf")


app_name = "elections"
urlpatterns = [
    path("", poll_list, name="poll-list"),
    path("new/<int:session_pk>/", poll_create, name="poll-create"),
    path("resolution-vote/", resolution_vote, name="resolution-vote"),
    path("<int:pk>/", poll_detail, name="poll-detail"),
    path("<int:pk>/do/<slug:action>/", poll_action, name="poll-action"),
    path("<int:pk>/vote/", booth, name="booth"),
    path("<int:pk>/paper/", paper_entry, name="paper-entry"),
    path("<int:pk>/ballots/", ballots, name="ballots"),
    path("<int:pk>/papers.pdf", ballot_papers, name="ballot-papers"),
    path("<int:pk>/report.pdf", result_report, name="result-report"),
    path("<int:pk>/sign-in.pdf", poll_sign_in_sheet, name="sign-in-sheet"),
]
