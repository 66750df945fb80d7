"""member_cards: one 8-card A4 sheet in the request (≤ 2 s) and 1,000 cards as a background job (≤ 60 s)."""

import datetime

from common import chinese_name, result, timed


def add_arguments(parser):
    parser.add_argument("--cards", type=int, default=1000)


def main(args):
    import random

    from members.card_tasks import render_card_batch
    from members.documents import card_sheet_pdf
    from members.models import Membership, OrgUnit, Person
    from union_site.models import Job, User

    rng = random.Random(9)
    unit = OrgUnit.objects.create(code="CARD", name="城关中心小学工会", kind="grassroots")
    people = Person.objects.bulk_create([Person(unit=unit, name=chinese_name(rng), gender="F") for _ in range(args.cards)])
    Membership.objects.bulk_create([
        Membership(person=p, union=unit, status="active", card_no=f"CARD-{i + 1:06d}", joined_on=datetime.date(2020, 9, 1))
        for i, p in enumerate(people)
    ])
    sheet = list(Membership.objects.select_related("person", "union").order_by("card_no")[:8])
    card_sheet_pdf(sheet)  # warm-up: fonts and templates loaded once per process, as in a running server
    with timed() as t:
        card_sheet_pdf(sheet)
    result("member_cards_sheet", t["seconds"], "s", "<=", 2)
    user = User.objects.create(username="bench")
    job = Job.objects.create(kind="members.card_batch", created_by=user, params={"unit": unit.pk})
    with timed() as t:
        render_card_batch(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.result["cards"] == args.cards, job.error
    result(f"member_cards_batch_{args.cards}", t["seconds"], "s", "<=", 60)
