"""A member's own pages (PI9): the record, a correction request, and the download of their data."""

import functools
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from union_site.audit import record_audit

from .forms import CorrectionForm
from .models import CorrectionRequest, MembershipEvent, Person
from .views import posted

# --- a member's own pages (PI9) -------------------------------------------------------------------------


def my_person(user):
    return Person.objects.filter(user=user).select_related("unit").first()


def with_my_person(view):
    """Log-in required; the member's own roster record is passed to the view. Without one, back to "my
    record" with a message (the account is not linked yet)."""

    @functools.wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        person = my_person(request.user)
        if person is None:
            messages.error(
                request, _("Your account is not linked to a roster record yet. Please ask the union office.")
            )
            return redirect("members:my-record")
        return view(request, person, *args, **kwargs)

    return wrapped


@login_required
def my_record(request):
    person = my_person(request.user)
    context = {"person": person}
    if person is not None:
        memberships = list(person.memberships.select_related("union").order_by("-applied_at", "-id"))
        context.update(
            memberships=memberships,
            may_apply=not any(m.is_current for m in memberships),
            events=MembershipEvent.objects.filter(membership__person=person)
            .select_related("membership__union")
            .order_by("-created_at", "-id"),
            posts=person.posts.select_related("unit").order_by("-started_on"),
            corrections=person.correction_requests.all()[:20],
        )
    return render(request, "members/my_record.html", context)


@with_my_person
def my_correction(request, person):
    form = CorrectionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        correction = CorrectionRequest.objects.create(person=person, message=form.cleaned_data["message"])
        record_audit(correction, "members.correction.requested", request.user)
        messages.success(request, _("Your request was sent to the union officers."))
        return redirect("members:my-record")
    return render(request, "members/correction_form.html", {"form": form, "person": person})


def _iso(value):
    return value.isoformat() if value else None


@never_cache
@with_my_person
def my_data(request, person):
    """PI9: a member downloads everything the union keeps about them, their own full ID number included."""
    memberships = person.memberships.select_related("union").prefetch_related(
        Prefetch(
            "events", queryset=MembershipEvent.objects.select_related("actor").order_by("created_at", "id")
        )
    )
    data = {
        "person": {
            "name": person.name,
            "gender": person.get_gender_display(),
            "id_number": person.id_number,
            "birth_date": _iso(person.birth_date),
            "phone": person.phone,
            "staff_no": person.staff_no,
            "unit": person.unit.name,
            "department": person.department,
            "post": person.post,
            "category": person.get_category_display(),
            "contract_type": person.get_contract_type_display(),
            "employment": person.get_employment_display(),
            "member_representative": person.is_member_representative,
            "activist": person.is_activist,
            "hardship_file": person.is_hardship,
            "consent_at": _iso(person.consent_at),
            "privacy_notice_version": person.privacy_notice_version,
        },
        "memberships": [
            {
                "union": m.union.name,
                "status": m.get_status_display(),
                "retention_reason": m.get_retention_reason_display(),
                "card_no": m.card_no,
                "joined_on": _iso(m.joined_on),
                "dues_from": _iso(m.dues_from),
                "dues_exempt": m.dues_exempt,
                "ended_on": _iso(m.ended_on),
                "history": [
                    {
                        "when": _iso(e.created_at),
                        "event": e.get_kind_display(),
                        "from": e.get_from_status_display(),
                        "to": e.get_to_status_display(),
                        "by": e.actor.display_name if e.actor else "",
                        "note": e.note,
                    }
                    for e in m.events.all()
                ],
            }
            for m in memberships
        ],
        "posts": [
            {
                "unit": p.unit.name,
                "post": p.get_post_display(),
                "from": _iso(p.started_on),
                "until": _iso(p.ended_on),
            }
            for p in person.posts.select_related("unit")
        ],
        "correction_requests": [
            {
                "when": _iso(c.created_at),
                "message": c.message,
                "state": c.get_state_display(),
                "answer": c.answer,
            }
            for c in person.correction_requests.all()
        ],
    }
    record_audit(person, "members.person.data_downloaded", request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="my-union-data.json"'
    return response


urlpatterns = [
    path("me/", my_record, name="my-record"),
    path("me/correction/", my_correction, name="my-correction"),
    path("me/download/", my_data, name="my-data"),
]
