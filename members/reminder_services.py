"""Committee term-expiry reminders (E12–E13, rules.md §7): 180, 90 and 30 days before a term
ends, and when it is overdue — each exactly once per term (the Reminder log is the guard).

``due_term_expiries(today)`` is the daily sweep's one query; ``send_term_expiry_reminder`` sends
one reminder to the unit's officers and the higher union's officers, in the inbox and by e-mail.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from union_site import roles
from union_site.models import Reminder
from union_site.reminders import send_reminder_once

from .models import Committee
from .models.committees import add_years
from .rules import term_lead_days
from .scope import users_with_role_for_unit

KIND_PREFIX = "members.term_expiry."
OVERDUE = KIND_PREFIX + "overdue"


@dataclass(frozen=True)
class DueTerm:
    committee_id: int
    kind: str  # members.term_expiry.180 / .90 / .30 / .overdue
    due_on: datetime.date


def reminder_kind(due_on: datetime.date, today: datetime.date) -> str | None:
    """The reminder a term ending on ``due_on`` is due for today: the nearest lead time passed, or
    overdue. Lead times already passed are not sent late (a term recorded 20 days before its end
    gets the 30-day reminder only)."""
    if today > due_on:
        return OVERDUE
    days_left = (due_on - today).days
    for lead in sorted(term_lead_days()):
        if days_left <= lead:
            return f"{KIND_PREFIX}{lead}"
    return None


def due_term_expiries(today: datetime.date) -> list[DueTerm]:
    """Current terms whose end is within the longest lead time or past and whose reminder for
    today has not been sent yet: one query for the terms and one for the reminder log."""
    horizon = today + datetime.timedelta(days=max(term_lead_days()))
    # due_on = starts_on + term_years; one day's slack for terms that start on 29 February
    window = Q()
    for years in (3, 5):
        window |= Q(term_years=years, starts_on__lte=add_years(horizon, -years) + datetime.timedelta(days=1))
    terms = Committee.objects.current().filter(window).values_list("pk", "starts_on", "term_years")
    due = []
    for pk, starts_on, years in terms:
        due_on = add_years(starts_on, years)
        if due_on <= horizon and (kind := reminder_kind(due_on, today)):
            due.append(DueTerm(pk, kind, due_on))
    if due:
        sent = set(
            Reminder.objects.filter(
                content_type__app_label=Committee._meta.app_label,
                content_type__model=Committee._meta.model_name,
                kind__startswith=KIND_PREFIX,
                due_on__gte=min(d.due_on for d in due),
            ).values_list("kind", "object_id", "due_on")
        )
        due = [d for d in due if (d.kind, str(d.committee_id), d.due_on) not in sent]
    return due


def term_reminder_recipients(unit):
    """The officers of the unit and of the unions above it (the higher union approves renewals);
    officers of sibling units are not included."""
    return users_with_role_for_unit(roles.OFFICER, unit)


def term_reminder_text(committee: Committee, kind: str, today: datetime.date) -> tuple[str, str]:
    """Subject and body of one reminder, in the active language."""
    due = committee.due_on
    values = {
        "unit": committee.unit.name,
        "committee": committee.get_kind_display(),
        "due": formats.date_format(due, "DATE_FORMAT"),
        "days": abs((due - today).days),
    }
    if kind == OVERDUE:
        subject = _("%(unit)s %(committee)s: the term ended on %(due)s and has not been renewed") % values
        body = _(
            "The term of the %(committee)s of %(unit)s ended on %(due)s. Renew it as soon as possible; a late "
            "renewal needs the written approval of the higher union (E13), which can also order the renewal."
        ) % values
    else:
        subject = _("%(unit)s %(committee)s: the term ends on %(due)s") % values
        body = _(
            "The term of the %(committee)s of %(unit)s ends on %(due)s, in %(days)s days. The outgoing "
            "committee prepares the renewal: the request to the higher union to convene the members' "
            "(representatives') assembly, the candidate list, the election and the results report (E14, E15). "
            "Renewing more than 30 days early or late needs the higher union's written approval (E13)."
        ) % values
    return subject, body


def send_term_expiry_reminder(committee_id: int, kind: str, due_on: datetime.date,
                              today: datetime.date | None = None) -> bool:
    """Send one reminder; True when this call sent it. Does nothing when the term has been renewed
    or ended since the sweep, or when the reminder was sent before."""
    committee = Committee.objects.select_related("unit").filter(pk=committee_id, ended_on__isnull=True).first()
    if committee is None or committee.due_on != due_on:
        return False
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = term_reminder_text(committee, kind, today)
    return send_reminder_once(
        kind, committee, due_on, list(term_reminder_recipients(committee.unit)),
        subject=subject, body=body, url=reverse("members:committee-list", args=[committee.unit_id]),
    )
