"""roster_list: 1,000,000 people in 10,000 units on PostgreSQL; p95 of the filtered, paginated roster page
and of a 2-character name search, through the real view (Django test client, officer of the top unit)."""

import random
import statistics
import time

from common import GIVEN, SURNAMES, result, timed


def add_arguments(parser):
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)


def seed(people: int, units: int):
    from django.db import connection, transaction

    from members.models import Membership, OrgUnit, Person
    from union_site.bulk import insert_rows

    rng = random.Random(3)
    with transaction.atomic():
        top = OrgUnit.objects.create(code="TOP", name="集团公司工会", kind="higher")
        grassroots = [OrgUnit(code=f"G{i:05d}", name=f"第{i}基层工会", kind="grassroots", parent=top)
                      for i in range(units // 10)]
        for u in grassroots:
            u.save()
        rows = [{"code": f"B{i:06d}", "name": f"第{i}分会", "kind": "branch", "parent_id": grassroots[i % len(grassroots)].pk,
                 "sector": "enterprise", "region": "", "staff_count": 0, "is_active": True}
                for i in range(units - len(grassroots) - 1)]
        ids = insert_rows(OrgUnit, rows)
        parents = {u.pk: u.path for u in grassroots}
        with connection.cursor() as cur:  # paths for the branches: parent path + own id
            cur.execute("UPDATE members_orgunit AS o SET path = p.path || o.id || '/', depth = 2 "
                        "FROM members_orgunit AS p WHERE o.parent_id = p.id AND o.kind = 'branch'")
        leaf_ids = ids + list(parents)
        union_of = {}
        for r, pk in zip(rows, ids, strict=True):
            union_of[pk] = r["parent_id"]
        for pk in parents:
            union_of[pk] = pk
        names = [rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 1, 2))))
                 for _ in range(5000)]
        person_rows = []
        for n in range(people):
            unit_id = leaf_ids[n % len(leaf_ids)]
            person_rows.append({"unit_id": unit_id, "name": names[rng.randrange(5000)], "gender": "MF"[n % 2],
                                "phone": f"13{n:09d}", "staff_no": f"S{n:07d}", "department": "一车间",
                                "id_number_masked": "110101********0000", "category": "frontline"})
        person_ids = insert_rows(Person, person_rows)
        insert_rows(Membership, [{"person_id": pk, "union_id": union_of[r["unit_id"]], "status": "active",
                                  "card_no": f"C{pk:08d}"} for pk, r in zip(person_ids, person_rows, strict=True)])
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return top, names


def main(args):
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from members.models import UnitScope
    from union_site.models import User

    if connection.vendor != "postgresql":
        print("# roster_list measures PostgreSQL: set DATABASE_URL=postgres://…")
    with timed() as t:
        top, names = seed(args.people, args.units)
    print(f"# seeded {args.people} people in {args.units} units in {t['seconds']:.0f} s")
    officer = User.objects.create(username="bench-officer")
    officer.groups.add(Group.objects.get(name="officer"))
    UnitScope.objects.create(user=officer, unit=top)
    client = Client()
    client.force_login(officer)
    url = reverse("members:roster")
    rng = random.Random(5)
    some_unit = list(top.children.values_list("pk", flat=True)[:50])
    plain, search = [], []
    for i in range(args.requests):
        params = {"page": rng.randrange(1, 20)}
        if i % 3 == 0:
            params["unit"] = rng.choice(some_unit)
        if i % 4 == 0:
            params["gender"] = "F"
        start = time.perf_counter()
        assert client.get(url, params).status_code == 200
        plain.append(time.perf_counter() - start)
        prefix = rng.choice(names)[:2]
        start = time.perf_counter()
        assert client.get(url, {"q": prefix}).status_code == 200
        search.append(time.perf_counter() - start)

    def p95(values):
        return statistics.quantiles(values, n=20)[-1] * 1000

    result("roster_list_p95", p95(plain), "ms", "<=", 100)
    result("roster_list_search_p95", p95(search), "ms", "<=", 100)
