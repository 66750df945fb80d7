import factory
from django.contrib.auth import get_user_model

from members.models import OrgUnit, UnitScope


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
