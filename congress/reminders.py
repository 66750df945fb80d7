"""Due dates the congress app reminds of, each exactly once per due date (the Reminder log).

- the yearly session of a body (K2 enterprise, T1 once per school year, E26 union assemblies);
- a department's reply deadline (P7): two weeks before, on the day, and overdue → the committee;
- the proposer's rating (P9): on the day, and overdue → the committee.
"""

import datetime
from dataclasses import dataclass

from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models.committees import add_years
from members.scope import users_with_role_for_unit
from union_site import roles
from union_site.models import Reminder
from union_site.reminders import send_reminder_once

from .models import Body, Proposal, Reply
from .proposals import _committee, _proposer_users
from .rules import rule


@dataclass(frozen=True)
class Due:
    kind: str
    object_id: int
    due_on: datetime.date


def school_year_end(day: datetime.date) -> datetime.date:
    """The last day of the school year that contains ``day`` (T1; the start is a setting)."""
    month, dom = (int(x) for x in rule("T1_SCHOOL_YEAR_START").split("-"))
    start = datetime.date(day.year, month, dom)
    if day < start:
        start = datetime.date(day.year - 1, month, dom)
    return datetime.date(start.year + 1, month, dom) - datetime.timedelta(days=1)


def yearly_due_on(body: Body, last_session: datetime.date | None, created: datetime.date) -> datetime.date:
    """When the next yearly session is due: 12 months after the last (K2, E26), or by the end of
    the school year after the last (T1)."""
    if body.is_school:
        if last_session is None:
            return school_year_end(created)
        return school_year_end(school_year_end(last_session) + datetime.timedelta(days=1))
    return add_years(last_session or created, 1)


def due_yearly_sessions(today: datetime.date):
    leads = rule("K2_YEARLY_LEAD_DAYS")
    bodies = Body.objects.filter(is_active=True).annotate(last=Max("terms__sessions__starts_on"))
    for body in bodies:
        due_on = yearly_due_on(body, body.last, timezone.localdate(body.created_at))
        if today > due_on:
            yield Due("congress.yearly.overdue", body.pk, due_on)
            continue
        for days in sorted(leads):
            if today >= due_on - datetime.timedelta(days=days):
                yield Due(f"congress.yearly.{days}", body.pk, due_on)
                break


def due_proposal_deadlines(today: datetime.date):
    warn = datetime.timedelta(days=rule("P7_WARN_DAYS"))
    for pk, deadline in Proposal.objects.filter(
        status=Proposal.Status.ASSIGNED, deadline__lte=today + warn
    ).values_list("pk", "deadline"):
        kind = "overdue" if today > deadline else "due" if today == deadline else "soon"
        yield Due(f"congress.handling.{kind}", pk, deadline)


def due_ratings(today: datetime.date):
    days = datetime.timedelta(days=rule("P9_RATING_DAYS"))
    replies = Reply.objects.filter(proposal__status=Proposal.Status.REPLIED, rating__isnull=True,
                                   round=F("proposal__handling_round"))  # the reply of the current round
    for reply in replies.only("pk", "proposal_id", "round", "submitted_at"):
        due_on = timezone.localdate(reply.submitted_at) + days
        if today > due_on:
            yield Due("congress.rating.overdue", reply.proposal_id, due_on)
        elif today >= due_on - datetime.timedelta(days=3):
            yield Due("congress.rating.due", reply.proposal_id, due_on)


def send_due_reminder(kind: str, object_id: int, due_on: datetime.date) -> bool:
    """Send one reminder (once: the Reminder log decides). Returns whether it was sent now."""
    if kind.startswith("congress.yearly."):
        body = Body.objects.select_related("unit").get(pk=object_id)
        recipients = users_with_role_for_unit(roles.OFFICER, body.unit)
        if kind.endswith("overdue"):
            subject = _("%(body)s: the yearly session was due on %(day)s and has not been held")
        else:
            subject = _("%(body)s: the yearly session is due by %(day)s")
        return send_reminder_once(
            kind, body, due_on, recipients,
            subject=subject % {"body": body.name, "day": due_on.isoformat()},
            body=_("The congress meets at least once a year (K2, T1, E26)."),
            url=reverse("congress:body-detail", args=[body.pk]),
        )
    proposal = Proposal.objects.select_related("session__term__body__unit").get(pk=object_id)
    url = reverse("congress:proposal-detail", args=[proposal.pk])
    values = {"number": proposal.number, "title": proposal.title, "day": due_on.isoformat()}
    if kind.startswith("congress.handling."):
        lead = proposal.lead_assignment()
        handlers = list(lead.department.handlers.all()) if lead else []
        if kind.endswith("overdue"):
            recipients = handlers + list(_committee(proposal))
            subject = _("Overdue: the reply to proposal %(number)s was due on %(day)s (P7)")
        else:
            recipients = handlers
            subject = _("The reply to proposal %(number)s is due on %(day)s (P7)")
        return send_reminder_once(kind, proposal, due_on, recipients, subject=subject % values, url=url)
    recipients = _proposer_users(proposal)
    if kind.endswith("overdue"):
        recipients += list(_committee(proposal))
        subject = _("Proposal %(number)s: the proposer has not rated the reply due on %(day)s (P9)")
    else:
        subject = _("Please rate the reply to your proposal %(number)s by %(day)s (P9)")
    return send_reminder_once(kind, proposal, due_on, recipients, subject=subject % values, url=url)


def all_due(today: datetime.date) -> list[Due]:
    """Everything due today whose reminder has not been sent: the log is read once, not per item, so a
    second sweep on the same day queues nothing."""
    due = [*due_yearly_sessions(today), *due_proposal_deadlines(today), *due_ratings(today)]
    if not due:
        return []
    sent = set(Reminder.objects.filter(kind__startswith="congress.", due_on__gte=min(d.due_on for d in due))
               .values_list("kind", "object_id", "due_on"))
    return [d for d in due if (d.kind, str(d.object_id), d.due_on) not in sent]



