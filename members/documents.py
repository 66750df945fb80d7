"""Member cards: 8 cards per A4 sheet (2 × 4), each with a QR code that opens the public
verification page (``members:card-verify``). The QR carries only a random token, nothing personal.

Pass memberships with ``person`` and ``union`` loaded (``select_related("person", "union")``).
"""

import segno
from django.conf import settings
from django.urls import reverse

from union_site.pdf import render_pdf

CARDS_PER_PAGE = 8
CARDS_PER_ROW = 2
TEMPLATE = "members/pdf/card_sheet.html"


def verify_url(membership) -> str:
    return f"{settings.SITE_URL}{reverse('members:card-verify', args=[membership.verify_token])}"


def qr_svg(url: str) -> str:
    """The QR code as inline SVG: one path with a quiet zone; the page CSS sets its size."""
    return segno.make(url, error="m", micro=False).svg_inline(border=2, omitsize=True)


def card(membership) -> dict:
    url = verify_url(membership)
    return {
        "name": membership.person.name,
        "union": membership.union.name,
        "card_no": membership.card_no,
        "joined_on": membership.joined_on,
        "url": url,
        "qr": qr_svg(url),
    }


def card_sheet_context(memberships) -> dict:
    """``pages``: a list of pages, each a list of rows of two cards (None fills the last row)."""
    cards = [card(m) for m in memberships]
    pages = []
    for start in range(0, len(cards), CARDS_PER_PAGE):
        page = cards[start : start + CARDS_PER_PAGE]
        if len(page) % CARDS_PER_ROW:
            page.append(None)
        pages.append([page[i : i + CARDS_PER_ROW] for i in range(0, len(page), CARDS_PER_ROW)])
    return {"pages": pages}


def card_sheet_pdf(memberships, *, language: str | None = None) -> bytes:
    """One PDF of member cards, 8 to an A4 page."""
    return render_pdf(TEMPLATE, card_sheet_context(memberships), language=language)
