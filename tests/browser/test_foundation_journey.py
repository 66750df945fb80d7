"""Foundation journey: a demo officer logs in on a phone by staff number and sees the dashboard."""

from pathlib import Path

import pytest
from django.core.management import call_command

from union_site.management.commands.load_demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded_roles")]
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / ".test-media"
SCREENSHOTS.mkdir(exist_ok=True)


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
    # the inbox link with its unread badge is in the header on a phone
    assert page.locator("nav a[href='/inbox/']").first.is_visible()
    # the language switch turns the page English, and back
    page.click("form.language-switch button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Workbench" in page.locator("h1").inner_text()
    page.click("form.language-switch button[value=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.screenshot(path=str(SCREENSHOTS / "home-375.png"), full_page=True)
