"""Demo data: a county education union with three schools and an enterprise union.

Idempotent: units, accounts and committees are looked up by their natural keys;
people are generated only for units that have none yet. Everything is generated
from a fixed seed, so two runs on two machines give the same roster.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from members.idcard import check_digit
from members.models import Committee, Membership, OrgUnit, Person, PostHolding, UnitScope
from union_site import roles

DEMO_PASSWORD = "union-demo-2026"  # noqa: S105 - the published demo password

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国建华志强春梅海燕晓东文博子涵雨轩欣怡浩然思远嘉怡"
DEPARTMENTS_SCHOOL = ["语文组", "数学组", "英语组", "综合组", "教务处", "德育处", "总务处", "办公室"]
DEPARTMENTS_FACTORY = ["一车间", "二车间", "质检部", "销售部", "财务部", "人力资源部"]

# (code, name, kind, sector, parent code, staff, region)
UNITS = [
    ("XJY", "县教育工会", "higher", "public", None, 0, "national"),
    ("XJY-CGZX", "城关中心小学工会", "grassroots", "school", "XJY", 120, ""),
    ("XJY-CGZX-D", "低年级分会", "branch", "school", "XJY-CGZX", 0, ""),
    ("XJY-CGZX-Z", "中年级分会", "branch", "school", "XJY-CGZX", 0, ""),
    ("XJY-CGZX-G", "高年级分会", "branch", "school", "XJY-CGZX", 0, ""),
    ("XJY-CGZX-X", "行政后勤分会", "branch", "school", "XJY-CGZX", 0, ""),
    ("XJY-YZ", "县第一中学工会", "grassroots", "school", "XJY", 60, ""),
    ("XJY-YEY", "县实验幼儿园工会", "grassroots", "school", "XJY", 22, ""),
    ("HXJX", "红星机械有限公司工会", "grassroots", "enterprise", None, 85, ""),
    ("HXJX-1", "一车间分会", "branch", "enterprise", "HXJX", 0, ""),
    ("HXJX-1-A", "装配一组", "group", "enterprise", "HXJX-1", 0, ""),
    ("HXJX-1-B", "装配二组", "group", "enterprise", "HXJX-1", 0, ""),
    ("HXJX-2", "二车间分会", "branch", "enterprise", "HXJX", 0, ""),
    ("HXJX-2-A", "机加工组", "group", "enterprise", "HXJX-2", 0, ""),
]

# Where each grassroots union's people go: the lowest units, in turn.
PEOPLE_HOMES = {
    "XJY-CGZX": ["XJY-CGZX-D", "XJY-CGZX-Z", "XJY-CGZX-G", "XJY-CGZX-X"],
    "XJY-YZ": ["XJY-YZ"],
    "XJY-YEY": ["XJY-YEY"],
    "HXJX": ["HXJX-1-A", "HXJX-1-B", "HXJX-2-A"],
}

# username, staff number, name, role group, unit code for scope, note
ACCOUNTS = [
    ("admin", None, "系统管理员", None, None, "superuser: the Django admin"),
    ("county", "XJY0001", "周建国", roles.OFFICER, "XJY", "higher-level union officer (县教育工会)"),
    ("officer", "CGZX0001", None, roles.OFFICER, "XJY-CGZX", "union chair of 城关中心小学"),
    ("hxofficer", "HXJX0001", None, roles.OFFICER, "HXJX", "union chair of 红星机械"),
    ("proposals", "CGZX0002", None, roles.PROPOSAL_COMMITTEE, "XJY-CGZX", "proposal committee"),
    ("dept", "CGZX0003", None, roles.HANDLING_DEPARTMENT, "XJY-CGZX", "handling department (总务处)"),
    ("caseworker", "CGZX0004", None, roles.CASEWORKER, "XJY-CGZX", "caseworker"),
    ("scrutineer", "CGZX0005", None, roles.SCRUTINEER, "XJY-CGZX", "scrutineer"),
    ("auditor", "CGZX0006", None, roles.AUDITOR, "XJY-CGZX", "auditor (经审)"),
    ("member", "CGZX0010", None, None, None, "ordinary member (teacher)"),
]


def demo_id_number(rng: random.Random, birth: datetime.date, female: bool) -> str:
    seq = rng.randrange(0, 500) * 2 + (0 if female else 1)
    first17 = f"3307{rng.randrange(10, 99)}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


class Command(BaseCommand):
    help = "Load the demo union tree, people, committees and one account per role (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            units = self._units()
            created_people = self._people(units)
            self._committees(units)
            accounts = self._accounts(units)
            self._congress(units)
            self._election(units)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created_people} people added)."))
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, staff_no, note in accounts:
            self.stdout.write(f"  {username:<11} {staff_no or '-':<8} {note}")
        self.stdout.write("Log in at http://127.0.0.1:8000/ with the username or the staff number (工号).")

    def _units(self) -> dict[str, OrgUnit]:
        units: dict[str, OrgUnit] = {}
        for code, name, kind, sector, parent, staff, region in UNITS:
            unit = OrgUnit.objects.filter(code=code).first()
            if unit is None:
                unit = OrgUnit(code=code)
            unit.name, unit.kind, unit.sector, unit.region = name, kind, sector, region
            unit.parent = units.get(parent) if parent else None
            unit.staff_count = staff
            unit.founded_on = unit.founded_on or datetime.date(1998, 5, 1)
            unit.save()
            units[code] = unit
        return units

    def _people(self, units) -> int:
        created = 0
        for union_code, homes in PEOPLE_HOMES.items():
            union = units[union_code]
            if Person.objects.filter(unit__path__startswith=union.path).exists():
                continue
            rng = random.Random(union_code)  # noqa: S311 - demo data, not security
            school = union.sector == OrgUnit.Sector.SCHOOL
            departments = DEPARTMENTS_SCHOOL if school else DEPARTMENTS_FACTORY
            for i in range(union.staff_count):
                female = rng.random() < (0.72 if school else 0.35)
                birth = datetime.date(rng.randrange(1966, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 1, 2])))
                person = Person(
                    unit=units[homes[i % len(homes)]],
                    name=name,
                    phone=f"13{rng.randrange(0, 10)}{rng.randrange(10**7, 10**8)}",
                    staff_no=f"{union_code.split('-')[-1]}{i + 1:04d}",
                    department=rng.choice(departments),
                    category=(
                        Person.Category.TEACHER if school and rng.random() < 0.8 else
                        Person.Category.FRONTLINE if not school and rng.random() < 0.7 else
                        Person.Category.MANAGEMENT if rng.random() < 0.3 else Person.Category.SUPPORT
                    ),
                    is_manager=rng.random() < 0.08,
                    is_activist=rng.random() < 0.1,
                    is_member_representative=rng.random() < 0.25,
                    consent_at=datetime.datetime(2024, 3, 1, 9, 0, tzinfo=datetime.UTC),
                    privacy_notice_version="2024-1",
                )
                person.set_id_number(demo_id_number(rng, birth, female))
                person.save()
                retired = i >= union.staff_count - 3
                Membership.objects.create(
                    person=person,
                    union=union,
                    status=Membership.Status.RETAINED if retired else Membership.Status.ACTIVE,
                    retention_reason=Membership.RetentionReason.RETIRED if retired else "",
                    dues_exempt=retired,
                    card_no=f"{union.code}-{i + 1:06d}",
                    joined_on=datetime.date(rng.randrange(2000, 2024), rng.randrange(1, 13), 1),
                )
                created += 1
        return created

    def _committees(self, units) -> None:
        terms = {"XJY-CGZX": datetime.date(2021, 12, 20), "XJY-YZ": datetime.date(2023, 4, 10),
                 "XJY-YEY": datetime.date(2024, 1, 8), "HXJX": datetime.date(2022, 3, 15)}
        for code, start in terms.items():
            union = units[code]
            committee, made = Committee.objects.get_or_create(
                unit=union,
                kind=Committee.Kind.UNION,
                ended_on=None,
                defaults={"starts_on": start, "term_years": 5, "approved_by": "县教育工会" if code != "HXJX" else "县总工会",
                          "approval_ref": f"{start:%Y}-{code}", "approved_on": start + datetime.timedelta(days=20)},
            )
            if not made:
                continue
            members = list(
                Person.objects.filter(unit__path__startswith=union.path, memberships__status=Membership.Status.ACTIVE)
                .order_by("staff_no")[:7]
            )
            posts = [PostHolding.Post.CHAIR, PostHolding.Post.VICE_CHAIR] + [PostHolding.Post.MEMBER] * 5
            for person, post in zip(members, posts, strict=False):
                PostHolding.objects.create(
                    unit=union, committee=committee, person=person, post=post, started_on=start,
                    is_full_time=False, source="第一次会员大会选举",
                )

    def _congress(self, units) -> None:
        """A teachers' congress for the central school: a term, representatives, departments and an open session."""
        from congress.models import Body, Department, Representative, Session, Term

        school = units["XJY-CGZX"]
        body, made = Body.objects.get_or_create(
            unit=school, kind=Body.Kind.TEACHER_CONGRESS, is_active=True,
            defaults={"name": "城关中心小学教职工代表大会"},
        )
        if not made:
            return
        term = Term.objects.create(body=body, number=3, starts_on=datetime.date(2024, 9, 1), years=5)
        people = list(
            Person.objects.filter(unit__path__startswith=school.path, memberships__status=Membership.Status.ACTIVE)
            .order_by("staff_no")[:36]
        )
        for i, person in enumerate(people):
            Representative.objects.create(
                term=term, person=person, kind=Representative.Kind.FORMAL if i < 33 else Representative.Kind.INVITED,
                constituency=person.unit.name, is_teacher=person.category == Person.Category.TEACHER,
                is_manager=person.is_manager, is_female=person.gender == "F", elected_on=term.starts_on,
            )
        User = get_user_model()
        for name, username in [("总务处", "dept"), ("教务处", None), ("办公室", None)]:
            dept = Department.objects.create(unit=school, name=name, head_name="校长办公室" if name == "办公室" else "")
            if username:
                dept.handlers.add(User.objects.get(username=username))
        today = timezone.localdate()
        starts = today + datetime.timedelta(days=20)
        Session.objects.create(
            term=term, number=1, title="第三届教代会第二次会议", starts_on=starts, ends_on=starts,
            location="学校报告厅", proposals_open_on=starts - datetime.timedelta(days=30),
            proposals_close_on=starts - datetime.timedelta(days=15),
        )

    def _election(self, units) -> None:
        """A chair election being prepared for the central school's members' assembly."""
        from congress.models import Body, Session, Term
        from elections.models import Candidate, Poll

        school = units["XJY-CGZX"]
        body, _ = Body.objects.get_or_create(unit=school, kind=Body.Kind.MEMBER_CONGRESS, is_active=True,
                                             defaults={"name": "城关中心小学会员代表大会"})
        if Poll.objects.filter(session__term__body=body).exists():
            return
        term = Term.objects.create(body=body, number=2, starts_on=datetime.date(2021, 12, 20), years=5)
        today = timezone.localdate()
        session = Session.objects.create(term=term, number=1, title="第二届会员代表大会换届选举会议",
                                         starts_on=today + datetime.timedelta(days=10),
                                         ends_on=today + datetime.timedelta(days=10), location="学校报告厅")
        poll = Poll.objects.create(session=session, kind=Poll.Kind.ELECTION, title="工会主席选举",
                                   post=Poll.Post.CHAIR, seats=1, candidates_published_on=today)
        for staff_no in ("CGZX0011", "CGZX0012"):
            person = Person.objects.filter(staff_no=staff_no).first()
            if person is not None:
                Candidate.objects.create(poll=poll, person=person, nominated_by="工会小组推荐")

    def _accounts(self, units):
        User = get_user_model()
        out = []
        full_id = Permission.objects.get(codename="view_full_id_number", content_type__app_label="members")
        for username, staff_no, name, role, scope_code, note in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, staff_no=staff_no, email=f"{username}@demo.union.cn")
                user.set_password(DEMO_PASSWORD)
            person = None
            if staff_no and name is None:
                person = Person.objects.filter(staff_no=staff_no).first()
            display = name or (person.name if person else username)
            user.last_name, user.first_name = display[:1], display[1:]
            if username == "admin":
                user.is_staff = user.is_superuser = True
            user.save()
            if person is not None and person.user_id in (None, user.pk):
                Person.objects.filter(pk=person.pk).update(user=user)
            if role:
                user.groups.add(Group.objects.get(name=role))
            if username == "officer":
                user.user_permissions.add(full_id)  # the chair may see full ID numbers (audited)
            if scope_code:
                UnitScope.objects.get_or_create(user=user, unit=units[scope_code], defaults={"note": note})
            out.append((username, staff_no, note))
        return out
