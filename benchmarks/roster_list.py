"""roster_list: 1,000,000 people in 10,000 units; p95 of the roster page through the real view.

Seeds a union tree (one higher union, 1,000 grassroots unions, 8,999 branches) and a million people
with realistic Chinese names (surnames and given-name characters drawn by frequency, so a 2-character
prefix such as 张伟 or 王芳 matches what it would in a real roster), departments, flags and current
memberships; PostgreSQL gets them by COPY. Then an officer of the top unit requests the roster page
through Django's test client: a mix of filters, rosters, sorts and pages, and 2-character name
searches. Prints the p95 of each and the number of queries per page (DESIGN.md: p95 ≤ 100 ms, a
constant ≤ 10 queries).
"""

import datetime
import random
import statistics
import time

from common import GIVEN, SURNAMES, result, timed

DEPARTMENTS = [
    "语文组",
    "数学组",
    "英语组",
    "理化生组",
    "政史地组",
    "体艺组",
    "教务处",
    "总务处",
    "办公室",
    "一车间",
    "二车间",
    "三车间",
    "质检科",
    "销售部",
    "财务科",
    "后勤保障部",
    "信息中心",
    "人力资源部",
]
CATEGORIES = ["teacher", "frontline", "management", "support", "other"]


def add_arguments(parser):
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind")
    parser.add_argument("--reuse", action="store_true", help="keep people already seeded (BENCH_REUSE_DB=1)")


def _zipf(n, s=1.0):
    return [1 / (i + 1) ** s for i in range(n)]


class NameMaker:
    """Chinese names by frequency: SURNAMES and GIVEN are ordered from common to rare."""

    def __init__(self, rng):
        self.rng = rng
        self.surnames = rng.choices(SURNAMES, weights=_zipf(len(SURNAMES), 0.6), k=200_000)
        self.given = rng.choices(GIVEN, weights=_zipf(len(GIVEN), 0.3), k=200_000)
        self.i = 0

    def __call__(self):
        rng, i = self.rng, self.i
        self.i += 3
        given = self.given[i % 200_000] + (self.given[(i * 7 + 1) % 200_000] if rng.random() < 0.7 else "")
        return self.surnames[rng.randrange(200_000)] + given


def _ids(connection, model, count):
    """Primary keys for ``count`` new rows: from the sequence on PostgreSQL, after the maximum elsewhere."""
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [pk for (pk,) in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = cur.fetchone()[0] + 1
    return list(range(start, start + count))


def _insert(connection, model, columns, rows):
    """COPY on PostgreSQL (rows are tuples in ``columns`` order); bulk_create elsewhere (small runs)."""
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cur,
            cur.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        model.objects.bulk_create(
            (model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=5000
        )


def seed(people: int, units: int):
    """The union tree and the people; returns the top unit."""
    from django.db import connection, transaction
    from django.utils import timezone

    from members.models import Membership, OrgUnit, Person

    rng = random.Random(3)
    now = timezone.now()
    unit_cols = [
        "id",
        "code",
        "name",
        "kind",
        "sector",
        "region",
        "parent_id",
        "path",
        "depth",
        "staff_count",
        "is_active",
        "created_at",
    ]
    with transaction.atomic():
        top = OrgUnit.objects.create(code="TOP", name="集团公司工会", kind="higher", sector="enterprise")
        n_grassroots = max(1, units // 10)
        g_ids = _ids(connection, OrgUnit, n_grassroots)
        b_ids = _ids(connection, OrgUnit, max(0, units - n_grassroots - 1))
        unit_rows, union_of, code_of = [], {}, {}
        for i, pk in enumerate(g_ids):
            unit_rows.append(
                (
                    pk,
                    f"G{i:05d}",
                    f"第{i + 1}基层工会",
                    "grassroots",
                    "enterprise",
                    "",
                    top.pk,
                    f"{top.path}{pk}/",
                    1,
                    0,
                    True,
                    now,
                )
            )
            union_of[pk], code_of[pk] = pk, f"G{i:05d}"
        for i, pk in enumerate(b_ids):
            parent = g_ids[i % len(g_ids)]
            unit_rows.append(
                (
                    pk,
                    f"B{i:06d}",
                    f"第{i + 1}分会",
                    "branch",
                    "enterprise",
                    "",
                    parent,
                    f"{top.path}{parent}/{pk}/",
                    2,
                    0,
                    True,
                    now,
                )
            )
            union_of[pk] = parent
        _insert(connection, OrgUnit, unit_cols, unit_rows)

        leaves = b_ids + g_ids
        make_name = NameMaker(rng)
        person_ids = _ids(connection, Person, people)
        membership_ids = _ids(connection, Membership, people)
        person_cols = [
            "id",
            "unit_id",
            "name",
            "gender",
            "id_number_encrypted",
            "id_number_index",
            "id_number_masked",
            "birth_date",
            "phone",
            "staff_no",
            "department",
            "post",
            "category",
            "is_manager",
            "contract_type",
            "employment",
            "is_member_representative",
            "is_activist",
            "is_hardship",
            "consent_at",
            "privacy_notice_version",
            "created_at",
            "updated_at",
        ]
        ms_cols = [
            "id",
            "person_id",
            "union_id",
            "status",
            "retention_reason",
            "card_no",
            "joined_on",
            "dues_from",
            "dues_exempt",
            "verify_token",
            "applied_at",
            "updated_at",
        ]
        person_rows, ms_rows, card_seq = [], [], {}
        for n, pk in enumerate(person_ids):
            unit_id = leaves[n % len(leaves)]
            born = datetime.date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
            gender = "F" if rng.random() < 0.48 else "M"
            person_rows.append(
                (
                    pk,
                    unit_id,
                    make_name(),
                    gender,
                    "",
                    "",
                    f"110101{'*' * 8}{n % 10000:04d}",
                    born,
                    f"13{n:09d}",
                    f"S{n:07d}",
                    rng.choice(DEPARTMENTS),
                    "",
                    rng.choice(CATEGORIES),
                    rng.random() < 0.05,
                    "regular",
                    "employed",
                    rng.random() < 0.03,
                    rng.random() < 0.05,
                    rng.random() < 0.01,
                    now,
                    "2024-1",
                    now,
                    now,
                )
            )
            roll = rng.random()
            if roll < 0.03:
                continue  # staff who are not members
            union = union_of[unit_id]
            status = "applied" if roll < 0.05 else "retained" if roll < 0.10 else "active"
            card = ""
            if status != "applied":
                card_seq[union] = card_seq.get(union, 0) + 1
                card = f"{code_of[union]}-{card_seq[union]:06d}"
            joined = datetime.date(1990 + n % 35, 1 + n % 12, 1) if card else None
            ms_rows.append(
                (
                    membership_ids[n],
                    pk,
                    union,
                    status,
                    "retired" if status == "retained" else "",
                    card,
                    joined,
                    joined,
                    status == "retained",
                    f"b{membership_ids[n]}",
                    now,
                    now,
                )
            )
        _insert(connection, Person, person_cols, person_rows)
        _insert(connection, Membership, ms_cols, ms_rows)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE members_orgunit")
            cur.execute("VACUUM ANALYZE members_person")
            cur.execute("VACUUM ANALYZE members_membership")
    return top


def requests_to_make(rng, count, top, names):
    """Requests as an officer of the top unit makes them: ``plain`` (filters, rosters, sorts, pages) and
    ``search`` (2-character name prefixes drawn from the roster, so common names come up often).

    Of the plain ones, 3 in 5 pick a union or branch first; the rest run over all million people, one
    in ten of them with a selective filter (retained, representatives, hardship …), which has no index.
    """
    from members.models import OrgUnit

    grassroots = list(OrgUnit.objects.filter(parent=top).values_list("pk", flat=True)[:300])
    branches = list(OrgUnit.objects.filter(kind="branch").values_list("pk", flat=True)[:300])
    plain = []
    for i in range(count):
        kind = i % 5
        if kind in (0, 1):  # a grassroots union (about 1,000 people) and its branches
            params = {"unit": rng.choice(grassroots), "page": 1}
            params["sort"] = rng.choice(["name", "-name", "card", "-card", "joined", "-joined", "unit"])
        elif kind == 2:  # one branch (about 100 people)
            params = {"unit": rng.choice(branches), "page": 1}
        else:  # everybody in scope
            params = {"page": rng.choice([1, 1, 1, 2, 3, 5, 10, 20]), "sort": rng.choice(["name", "-name"])}
        if rng.random() < 0.25:
            params["gender"] = rng.choice("FM")
        if rng.random() < 0.15:
            params["category"] = rng.choice(CATEGORIES)
        if rng.random() < 0.2:
            params["roster"] = "members"
        selective = (
            {"status": rng.choice(["retained", "applied"])}
            if rng.random() < 0.5
            else {rng.choice(["rep", "activist", "hardship"]): "1"}
        )
        if ("unit" in params and rng.random() < 0.3) or ("unit" not in params and rng.random() < 0.1):
            params.update(selective)
            params["page"] = 1
        plain.append(params)  # in a unit, later pages are reached through the "next" link (measure)
    search = [{"q": rng.choice(names)[:2]} for _ in range(count)]
    for i, params in enumerate(search):
        if i % 5 == 0:
            params["gender"] = "F"
    return plain, search


def main(args):
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from members.models import OrgUnit, Person, UnitScope
    from union_site.models import User

    if connection.vendor != "postgresql":
        print("# roster_list is meant for PostgreSQL: set DATABASE_URL=postgres://…")
    top = OrgUnit.objects.filter(code="TOP").first() if args.reuse else None
    if top is None:
        with timed() as t:
            top = seed(args.people, args.units)
        print(f"# seeded {args.people} people in {args.units} units in {t['seconds']:.0f} s")
    officer, _ = User.objects.get_or_create(username="bench-officer")
    officer.groups.add(Group.objects.get(name="officer"))
    UnitScope.objects.get_or_create(user=officer, unit=top)
    rng = random.Random(5)
    sample = Person.objects.order_by().filter(pk__in=[rng.randrange(1, args.people) for _ in range(2000)])
    names = list(sample.values_list("name", flat=True))
    plain, search = requests_to_make(rng, args.requests, top, names)

    client = Client()
    client.force_login(officer)
    url = reverse("members:roster")
    for params in plain[:5] + search[:5]:  # warm up: connection, templates, caches
        assert client.get(url, params).status_code == 200

    def measure(requests, *, next_page_every=0):
        """Time each request; every ``next_page_every``-th one also follows its "next page" link, if any."""
        times, queries, made = [], set(), []
        for i, params in enumerate(requests):
            todo = [params]
            while todo:
                params = todo.pop()
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    response = client.get(url, params)
                    times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, params
                queries.add(len(ctx.captured_queries))
                made.append(params)
                if (
                    next_page_every
                    and i % next_page_every == 0
                    and params.get("page", 1) == 1
                    and b'rel="next"' in response.content
                ):
                    todo.append({**params, "page": 2})
        requests[:] = made
        return times, queries

    plain_ms, plain_q = measure(plain, next_page_every=2)
    search_ms, search_q = measure(search, next_page_every=4)

    def p95(values):
        return statistics.quantiles(values, n=20)[-1]

    print(
        f"# plain list: median {statistics.median(plain_ms):.1f} ms, max {max(plain_ms):.1f} ms; "
        f"queries per page {sorted(plain_q)}"
    )
    print(
        f"# name search: median {statistics.median(search_ms):.1f} ms, max {max(search_ms):.1f} ms; "
        f"queries per page {sorted(search_q)}"
    )
    groups = {}
    for ms, params in zip(plain_ms, plain, strict=True):
        selective = any(k in params for k in ("status", "rep", "activist", "hardship"))
        groups.setdefault(
            ("one unit" if "unit" in params else "all units") + (", selective" if selective else ""), []
        ).append(ms)
    for group, values in sorted(groups.items()):
        print(
            f"#   {group}: {len(values)} requests, median {statistics.median(values):.1f} ms, "
            f"max {max(values):.1f} ms"
        )
    slowest = sorted(zip(plain_ms + search_ms, plain + search, strict=True), key=lambda x: -x[0])[:5]
    for ms, params in slowest:
        print(f"#   slow: {ms:.0f} ms {params}")
    result("roster_list_p95", p95(plain_ms), "ms", "<=", 100)
    result("roster_list_search_p95", p95(search_ms), "ms", "<=", 100)
    result("roster_list_queries_per_page", max(plain_q | search_q), "queries", "<=", 10)
