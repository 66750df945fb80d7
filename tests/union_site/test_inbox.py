"""The in-app inbox: a user sees only their own messages; opening one marks it read."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from union_site.models import Notification

pytestmark = pytest.mark.django_db


def note(user, subject="通知", *, url="", read=False, minutes_ago=0):
    return Notification.objects.create(
        recipient=user,
        subject=subject,
        url=url,
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


def test_inbox_lists_only_my_messages_newest_first(client, member, stranger):
    note(member, "旧通知", minutes_ago=10)
    note(member, "新通知", minutes_ago=1)
    note(stranger, "别人的通知")
    client.force_login(member)
    page = client.get(reverse("inbox:list")).content.decode()
    assert "别人的通知" not in page
    assert page.index("新通知") < page.index("旧通知")


def test_unread_messages_are_highlighted_and_counted_in_the_header(client, member, stranger):
    unread = [note(member, f"未读{i}") for i in range(3)]
    read = note(member, "已读", read=True)
    note(stranger, "别人的未读")
    client.force_login(member)
    page = client.get(reverse("home")).content.decode()
    nav = re.search(r"<nav class=\"navbar.*?</nav>", page, re.S).group(0)
    assert 'data-unread="3"' in nav
    page = client.get(reverse("inbox:list")).content.decode()
    for n in unread:
        assert f'data-note="{n.pk}" data-unread-note' in page
    assert f'data-note="{read.pk}">' in page


def test_no_badge_when_everything_is_read(client, member):
    note(member, read=True)
    client.force_login(member)
    assert "data-unread=" not in client.get(reverse("home")).content.decode()


def test_inbox_is_paginated_by_twenty(client, member):
    for i in range(25):
        note(member, f"通知{i:02d}", minutes_ago=i)
    client.force_login(member)
    first = client.get(reverse("inbox:list")).content.decode()
    assert first.count("data-note=") == 20
    assert "通知00" in first and "通知24" not in first
    second = client.get(reverse("inbox:list"), {"page": 2}).content.decode()
    assert second.count("data-note=") == 5 and "通知24" in second


@pytest.mark.parametrize("n_notes", [1, 20])
def test_inbox_query_count_does_not_grow_with_messages(client, member, django_assert_num_queries, n_notes):
    for i in range(n_notes):
        note(member, read=i % 2 == 0)
    client.force_login(member)
    # 1 session, 2 user, 3 COUNT for the paginator; the nav: 4 unread count, 5 role groups,
    # 6-7 user and group permissions, 8 the roster record ("My record" link); 9 one page of notifications
    with django_assert_num_queries(9):
        response = client.get(reverse("inbox:list"))
    assert response.content.decode().count("data-note=") == n_notes


def test_opening_a_message_marks_it_read_and_follows_a_local_link(client, member):
    n = note(member, url="/members/me/")
    client.force_login(member)
    response = client.get(reverse("inbox:open", args=[n.pk]))
    assert response.status_code == 302 and response.url == "/members/me/"
    n.refresh_from_db()
    assert n.read_at is not None


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/phish", "//evil.example/phish", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_opening_a_message_never_follows_a_link_off_the_site(client, member, url):
    n = note(member, url=url)
    client.force_login(member)
    response = client.get(reverse("inbox:open", args=[n.pk]))
    assert response.status_code == 302 and response.url == reverse("inbox:list")
    n.refresh_from_db()
    assert n.read_at is not None


def test_opening_a_read_message_keeps_its_read_time(client, member):
    n = note(member, read=True)
    first_read = n.read_at
    client.force_login(member)
    client.get(reverse("inbox:open", args=[n.pk]))
    n.refresh_from_db()
    assert n.read_at == first_read


def test_someone_elses_message_is_404_and_stays_unread(client, member, stranger):
    n = note(stranger, url="/members/me/")
    client.force_login(member)
    assert client.get(reverse("inbox:open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_read_all_marks_only_my_messages(client, member, stranger):
    mine = [note(member) for _ in range(3)]
    theirs = note(stranger)
    client.force_login(member)
    response = client.post(reverse("inbox:read-all"), follow=True)
    assert response.redirect_chain == [(reverse("inbox:list"), 302)]
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    [message] = list(response.context["messages"])
    assert message.level_tag == "success" and "3" in str(message)


def test_read_all_is_post_only(client, member):
    n = note(member)
    client.force_login(member)
    assert client.get(reverse("inbox:read-all")).status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


@pytest.mark.parametrize("name, args", [("inbox:list", []), ("inbox:open", [1])])
def test_anonymous_is_sent_to_login(client, db, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_anonymous_read_all_does_nothing(client, member):
    n = note(member)
    response = client.post(reverse("inbox:read-all"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    n.refresh_from_db()
    assert n.read_at is None
