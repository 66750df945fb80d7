"""reminder_sweep: the daily reminder sweeps (committee terms, yearly congresses, proposal deadlines)
over 10,000 grassroots unions.

Every union has an officer, a union committee whose term ends somewhere between two months ago and
three years ahead, and a congress body created some time in the last 500 days (so its yearly session is
due soon, or overdue). The first sweep sends the whole backlog (reported, not the target); the target is
the next day's sweep — every union checked, what became due that day sent (inbox notes and e-mails to the
union's officers and the county union's officer) — and the same sweep run again that day must send
nothing. Celery runs eagerly here: each reminder task runs inside the sweep, one after another, so the
figures are the work of a single worker.
"""

import datetime
import random

from common import analyze, result, timed


def add_arguments(parser):
    parser.add_argument("--units", type=int, default=10_000)


def seed(units: int, today: datetime.date):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from congress.models import Body
    from members.models import Committee, OrgUnit, UnitScope
    from members.models.committees import add_years
    from union_site import roles
    from union_site.bulk import insert_rows

    rng = random.Random(7)
    now = datetime.datetime.now(datetime.UTC)
    county = OrgUnit.objects.create(code="CTY", name="县教育工会", kind="higher", sector="school")
    unit_ids = insert_rows(OrgUnit, [
        {"code": f"U{i:05d}", "name": f"第{i + 1}学校工会", "kind": "grassroots", "sector": "school", "region": "",
         "parent_id": county.pk, "path": "", "depth": 1, "staff_count": 60, "is_active": True, "created_at": now}
        for i in range(units)])
    OrgUnit.objects.filter(parent=county).update(
        path=Concat(Value(county.path), Cast("id", CharField()), Value("/")))
    User = get_user_model()
    user_ids = insert_rows(User, [
        {"username": f"officer{i}", "password": "!", "is_active": True, "first_name": "", "last_name": "",
         "email": f"officer{i}@example.cn", "is_staff": False, "is_superuser": False, "date_joined": now,
         "language": "zh-hans"} for i in range(units + 1)])
    officers = Group.objects.get(name=roles.OFFICER)
    insert_rows(User.groups.through, [{"user_id": pk, "group_id": officers.pk} for pk in user_ids])
    insert_rows(UnitScope, [{"user_id": user_ids[0], "unit_id": county.pk, "note": ""}]
                + [{"user_id": uid, "unit_id": unit, "note": ""} for uid, unit in zip(user_ids[1:], unit_ids,
                                                                                      strict=True)])
    committees = []
    for unit in unit_ids:
        years = rng.choice((3, 5))
        ends = today + datetime.timedelta(days=rng.randrange(-60, 3 * 365))
        committees.append({"unit_id": unit, "kind": Committee.Kind.UNION, "starts_on": add_years(ends, -years),
                           "term_years": years, "approved_by": "县教育工会", "created_at": now})
    insert_rows(Committee, committees)
    insert_rows(Body, [{"unit_id": unit, "kind": "teacher_congress", "name": "教职工代表大会", "is_active": True,
                        "created_at": now - datetime.timedelta(days=rng.randrange(0, 500))} for unit in unit_ids])
    analyze()


def sweep() -> int:
    from congress.tasks import sweep_congress_reminders
    from members.tasks import sweep_term_expiry

    return sweep_term_expiry() + sweep_congress_reminders()


def main(args):
    import time_machine
    from django.utils import timezone

    from union_site.models import Notification, Reminder

    today = timezone.localdate()
    with timed() as t:
        seed(args.units, today)
    print(f"# seeded {args.units} unions with officers, committees and congress bodies in {t['seconds']:.1f} s")

    def day(label, when):
        with time_machine.travel(datetime.datetime.combine(when, datetime.time(6)).astimezone(), tick=True):
            sent, notes = Reminder.objects.count(), Notification.objects.count()
            with timed() as run:
                queued = sweep()
            sent, notes = Reminder.objects.count() - sent, Notification.objects.count() - notes
        print(f"# {label}: {queued} reminders queued, {sent} sent, {notes} inbox notes, {run['seconds']:.2f} s")
        return run["seconds"], sent, notes

    backlog, sent, _notes = day("first sweep, every reminder already due (the backlog of a new site)", today)
    assert sent > args.units // 10, "the data should make many reminders due"
    daily, _sent, _notes = day("the next day's sweep", today + datetime.timedelta(days=1))
    again, sent_again, notes_again = day("the next day again", today + datetime.timedelta(days=1))
    print(f"# the backlog took {backlog * 1000 / sent:.1f} ms per reminder, eagerly in one process")
    result("reminder_sweep", daily, "s", "<=", 10)
    result("reminder_sweep_again", again, "s", "<=", 10)
    result("reminder_sweep_again_sent", sent_again + notes_again, "reminders", "<=", 0)
