import datetime

import factory
from django.contrib.auth import get_user_model

from members.models import Committee, Membership, OrgUnit, Person, UnitScope


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    staff_no = factory.Sequence(lambda n: f"S{n:05d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    last_name = "张"
    first_name = factory.Sequence(lambda n: f"伟{n}")
    password = factory.django.Password("correct horse 9")


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}工会")
    kind = OrgUnit.Kind.GRASSROOTS
    sector = OrgUnit.Sector.SCHOOL


class UnitScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitScope

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(OrgUnitFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    unit = factory.SubFactory(OrgUnitFactory)
    name = factory.Sequence(lambda n: f"张{'伟芳敏静丽强磊军洋勇'[n % 10]}{n}")
    gender = "M"
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    staff_no = factory.Sequence(lambda n: f"T{n:05d}")

    @factory.post_generation
    def id_number(self, create, extracted, **kwargs):
        if extracted:
            self.set_id_number(extracted)
            if create:
                self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    union = factory.LazyAttribute(lambda m: m.person.unit.grassroots or m.person.unit)
    status = Membership.Status.ACTIVE
    card_no = factory.Sequence(lambda n: f"C{n:06d}")
    joined_on = datetime.date(2020, 9, 1)


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    unit = factory.SubFactory(OrgUnitFactory)
    kind = Committee.Kind.UNION
    starts_on = datetime.date(2022, 6, 1)
    term_years = 5


def make_id_number(n: int, *, birth="19800101", region="110105", female=False) -> str:
    """A valid 18-digit ID number, different for each n (tests need many)."""
    from members.idcard import check_digit

    seq = (n * 2 + (0 if female else 1)) % 1000
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + check_digit(first17)


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "congress.Body"

    unit = factory.SubFactory(OrgUnitFactory)
    kind = "teacher_congress"
    name = factory.LazyAttribute(lambda b: f"{b.unit.name}教职工代表大会")


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "congress.Term"

    body = factory.SubFactory(BodyFactory)
    number = factory.Sequence(lambda n: n + 1)
    starts_on = datetime.date(2024, 9, 1)
    years = 5


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "congress.Representative"

    term = factory.SubFactory(TermFactory)
    person = factory.SubFactory(PersonFactory, unit=factory.SelfAttribute("..term.body.unit"))
    kind = "formal"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "congress.Session"

    term = factory.SubFactory(TermFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"第{n + 1}次会议")
    starts_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=20))
    ends_on = factory.LazyAttribute(lambda s: s.starts_on)
    proposals_open_on = factory.LazyAttribute(lambda s: s.starts_on - datetime.timedelta(days=30))
    proposals_close_on = factory.LazyAttribute(lambda s: s.starts_on - datetime.timedelta(days=15))


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "congress.Department"

    unit = factory.SubFactory(OrgUnitFactory)
    name = factory.Sequence(lambda n: f"部门{n}")
    head_name = "赵主任"
