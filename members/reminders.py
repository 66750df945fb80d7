"""Committee term expiry reminders (E12): 180, 90 and 30 days before, and when overdue, once each."""

import datetime

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from union_site import roles
from union_site.reminders import send_reminder_once

from .models import Committee
from .rules import rule


def due_term_reminders(today: datetime.date):
    """(committee id, kind) for every current term inside a lead window or overdue."""
    leads = sorted(rule("E12_TERM_LEAD_DAYS"))
    horizon = today + datetime.timedelta(days=max(leads))
    for committee in Committee.objects.current().select_related("unit"):
        due = committee.due_on
        if due > horizon:
            continue
        if today > due:
            yield committee.pk, "members.term_expiry.overdue"
            continue
        for days in leads:
            if today >= due - datetime.timedelta(days=days):
                yield committee.pk, f"members.term_expiry.{days}"
                break


def unit_officers(unit):
    """Officers of the unit and of every union above it (the higher union approves renewals)."""
    return get_user_model().objects.filter(
        is_active=True, groups__name=roles.OFFICER, unit_scopes__unit_id__in=[unit.pk, *unit.ancestor_ids()]
    ).distinct()


def send_term_reminder(committee_id: int, kind: str) -> bool:
    committee = Committee.objects.select_related("unit").get(pk=committee_id)
    due = committee.due_on
    values = {"unit": committee.unit.name, "committee": committee.get_kind_display(), "day": due.isoformat()}
    if kind.endswith("overdue"):
        subject = _("%(unit)s %(committee)s: the term ended on %(day)s and has not been renewed") % values
    else:
        subject = _("%(unit)s %(committee)s: the term ends on %(day)s, prepare the renewal") % values
    return send_reminder_once(
        kind, committee, due, unit_officers(committee.unit), subject=subject,
        body=_("Committees are renewed on time; early or late renewal needs the higher union's approval (E12, E13)."),
        url=reverse("members:committee-list", args=[committee.unit_id]),
    )
