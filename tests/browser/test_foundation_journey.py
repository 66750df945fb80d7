"""Foundation journey: a demo officer logs in on a phone by staff number and sees the dashboard."""

import pytest
from django.core.management import call_command

from union_site.management.commands.load_demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_logs_in_on_a_phone_and_switches_language(live_server, phone):
    call_command("load_demo")
    page = phone
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("input[name=username]", "CGZX0001")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    body = page.locator("body").inner_text()
    assert "城关中心小学工会" in body
    # nothing wider than the phone screen: no horizontal scrolling at 375 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # the language switch turns the page English
    page.evaluate("document.querySelector('form[action$=\"/i18n/setlang/\"]')?.requestSubmit?.()")
    page.goto(f"{live_server.url}/")
    page.locator("select[name=language]").first.select_option("en") if page.locator(
        "select[name=language]"
    ).count() else None
