"""Member cards: 8 per A4 sheet, with a QR code to the public verification page (no personal data)."""

import segno
from django.conf import settings
from django.urls import reverse

from union_site.pdf import render_pdf

CARDS_PER_PAGE = 8


def verify_url(membership) -> str:
    return f"{settings.SITE_URL}{reverse('members:card-verify', args=[membership.verify_token])}"


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=2, border=1, omitsize=True)


def card_sheet_pdf(memberships) -> bytes:
    cards = [
        {
            "name": m.person.name,
            "union": m.union.name,
            "card_no": m.card_no,
            "joined_on": m.joined_on,
            "qr": qr_svg(verify_url(m)),
            "url": verify_url(m),
        }
        for m in memberships
    ]
    pages = [cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
    return render_pdf("members/pdf/card_sheet.html", {"pages": pages})
