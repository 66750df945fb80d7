"""render_pdf: a Django template to a PDF with WeasyPrint, Chinese set in Noto Sans CJK SC.

The page CSS (templates/pdf/base.html) lists the pre-subset "Union Sans SC" face first
(GB 2312 + ASCII, static/fonts, see the subset_cjk_font command) and the system's full
Noto Sans CJK SC after it for rare characters, so most documents embed only the small face.
"""

import functools
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def font_faces() -> list[dict]:
    faces = []
    for weight, name in ((400, "Regular"), (700, "Bold")):
        path = FONT_DIR / f"NotoSansSC-GB2312-{name}.otf"
        if path.exists():
            faces.append({"weight": weight, "url": path.as_uri()})
    return faces


def render_pdf(template_name: str, context: dict | None = None, *, language: str | None = None, base_url=None) -> bytes:
    from weasyprint import HTML

    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string(template_name, {**(context or {}), "font_faces": font_faces(), "LANGUAGE_CODE": language})
    document = HTML(string=html, base_url=base_url or str(settings.BASE_DIR))
    return document.write_pdf(font_config=_font_config())
