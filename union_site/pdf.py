"""render_pdf: a Django template to a PDF with WeasyPrint, Chinese set in Noto Sans CJK SC.

The page CSS (templates/pdf/base.html) lists the pre-subset "Union Sans SC" face first
(GB 2312 + ASCII, static/fonts, made by ``manage.py subset_cjk_font``) and the system's full
Noto Sans CJK SC after it for rare characters, so most documents embed only the small face.
Without the subset files the @font-face rules are left out and the system face sets everything.

One FontConfiguration is kept per process: the @font-face files are loaded (and the WOFF2
decompressed) once, not for every document; a lock keeps threads from using it at the same time.
Resources are fetched from file: and data: URLs only, so a document never waits on the network.
"""

import functools
import threading
from pathlib import Path

from django.conf import settings
from django.template import engines
from django.template.loader import get_template
from django.utils import translation

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONT_FILES = ((400, "NotoSansSC-GB2312-Regular.woff2"), (700, "NotoSansSC-GB2312-Bold.woff2"))
_LOCK = threading.Lock()


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def font_faces() -> list[dict]:
    """The @font-face rules base.html writes: the subset faces that exist, as file: URLs."""
    return [{"weight": weight, "url": (FONT_DIR / name).as_uri()}
            for weight, name in FONT_FILES if (FONT_DIR / name).exists()]


def render_pdf(template_name: str, context: dict | None = None, *, language: str | None = None,
               base_url: str | None = None) -> bytes:
    """The template rendered in ``language`` (default: settings.LANGUAGE_CODE, zh-hans) as PDF bytes."""
    return _write_pdf(get_template(template_name), context, language=language, base_url=base_url)


def render_pdf_from_string(source: str, context: dict | None = None, *, language: str | None = None,
                           base_url: str | None = None) -> bytes:
    """As render_pdf, for template source (it may extend "pdf/base.html")."""
    return _write_pdf(engines["django"].from_string(source), context, language=language, base_url=base_url)


def _write_pdf(template, context, *, language, base_url) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        html = template.render({**(context or {}), "font_faces": font_faces(), "LANGUAGE_CODE": language})
    document = HTML(string=html, base_url=base_url or str(settings.BASE_DIR),
                    url_fetcher=URLFetcher(allowed_protocols=("file", "data")))
    with _LOCK:  # Pango's font map is not thread-safe (runserver, threaded workers)
        return document.write_pdf(font_config=_font_config())
