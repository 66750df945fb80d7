"""member_cards: one 8-card A4 sheet as rendered in the request (≤ 2 s) and 1,000 cards as the
background job, run eagerly (≤ 60 s). DESIGN.md "Numbers it must reach".

The sheet is timed twice: the first render in a fresh process (fonts and templates load) and the
median of five more, as a running web worker serves it.
"""

import datetime
import statistics

from common import chinese_name, result, timed


def add_arguments(parser):
    parser.add_argument("--cards", type=int, default=1000, help="cards in the batch job (default 1000)")


def main(args):
    import io
    import random

    from pypdf import PdfReader

    from members.card_tasks import JOB_KIND, render_card_batch
    from members.documents import CARDS_PER_PAGE, card_sheet_pdf
    from members.models import Membership, OrgUnit, Person
    from union_site.models import Job, User

    rng = random.Random(9)
    unit = OrgUnit.objects.create(code="CARD", name="城关中心小学工会", kind=OrgUnit.Kind.GRASSROOTS)
    people = Person.objects.bulk_create(
        [Person(unit=unit, name=chinese_name(rng), gender=rng.choice("MF")) for _ in range(args.cards)]
    )
    Membership.objects.bulk_create([
        Membership(person=p, union=unit, status=Membership.Status.ACTIVE, card_no=f"CARD-{i + 1:06d}",
                   joined_on=datetime.date(2020, 9, 1))
        for i, p in enumerate(people)
    ])

    def sheet():
        return list(Membership.objects.select_related("person", "union").order_by("card_no")[:CARDS_PER_PAGE])

    with timed() as first:
        pdf = card_sheet_pdf(sheet())
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    runs = []
    for _ in range(5):
        with timed() as t:
            card_sheet_pdf(sheet())
        runs.append(t["seconds"])
    print(f"# sheet: first {first['seconds']:.3f} s, then {', '.join(f'{r:.3f}' for r in runs)} s")
    result("member_cards_sheet_first", first["seconds"], "s", "<=", 2)
    result("member_cards_sheet", statistics.median(runs), "s", "<=", 2)

    user = User.objects.create(username="bench")
    job = Job.objects.create(kind=JOB_KIND, created_by=user, params={"unit": unit.pk})
    with timed() as t:
        render_card_batch(job.pk)  # eagerly, in this process
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    with job.result_file.open("rb") as f:
        pages = len(PdfReader(f).pages)
    expected = -(-args.cards // CARDS_PER_PAGE)
    assert job.result == {"cards": args.cards, "pages": expected} and pages == expected, (job.result, pages)
    print(f"# batch: {args.cards} cards on {pages} pages, {job.result_file.size / 1e6:.1f} MB, "
          f"{t['seconds'] / pages:.3f} s/page")
    job.result_file.delete(save=False)
    result(f"member_cards_batch_{args.cards}", t["seconds"], "s", "<=", 60)
