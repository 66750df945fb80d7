import io
import logging
from collections import defaultdict

import pdfplumber
import pytest
from django.utils import translation
from pypdf import PdfReader

from union_site import pdf
from union_site.pdf import render_pdf, render_pdf_from_string

TITLE = "中华全国总工会 职工之家 会员证"
PAGE = """{% extends "pdf/base.html" %}{% block title %}{{ title }}{% endblock %}
{% block extra_style %}{{ style|safe }}{% endblock %}
{% block content %}<h1>{{ title }}</h1><p>{{ text }}</p><table><tr><th>姓名</th><td>{{ name }}</td></tr></table>
{% endblock %}"""


def _render(**context):
    return render_pdf_from_string(PAGE, {"title": TITLE, "text": "", "name": "王芳", "style": "", **context})


def _text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def _base_fonts(data: bytes) -> set[str]:
    """The /BaseFont names in the first page's resources, without the subset tag (ABCDEF+)."""
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    return {str(f.get_object()["/BaseFont"]).lstrip("/").split("+")[-1] for f in fonts.values()}


def _text_by_font(data: bytes) -> dict[str, str]:
    chars = defaultdict(str)
    for char in pdfplumber.open(io.BytesIO(data)).pages[0].chars:
        chars[char["fontname"].split("+")[-1]] += char["text"]
    return dict(chars)


@pytest.fixture
def fresh_font_config():
    """A FontConfiguration of the test's own: faces registered in the shared one would leak in."""
    pdf._font_config.cache_clear()
    yield
    pdf._font_config.cache_clear()


def test_the_subset_faces_are_in_the_repository():
    missing = [name for _, name in pdf.FONT_FILES if not (pdf.FONT_DIR / name).exists()]
    assert not missing, f"run `python manage.py subset_cjk_font`: {missing}"
    assert all((pdf.FONT_DIR / name).stat().st_size < 5_000_000 for _, name in pdf.FONT_FILES)


def test_chinese_text_is_set_and_reads_back():
    data = _render(name="李明")
    assert data.startswith(b"%PDF-")
    text = _text(data)
    assert "中华全国总工会" in text and "职工之家" in text and "会员证" in text and "李明" in text


def test_gb2312_text_embeds_only_the_subset_faces():
    fonts = _base_fonts(_render(text="会员证是会员身份的证明，请妥善保管（2025年）。"))
    assert fonts == {"Union-Sans-SC", "Union-Sans-SC-Bold"}  # body and the bold <h1>/<th>


def test_rare_characters_fall_back_to_the_full_system_face():
    data = _render(name="朱镕基")  # 镕 is not in GB 2312
    assert "朱镕基" in _text(data)
    by_font = _text_by_font(data)
    assert "镕" in by_font["Noto-Sans-CJK-SC"]
    assert "朱" in by_font["Union-Sans-SC"] and "镕" not in by_font["Union-Sans-SC"]


def test_page_margin_boxes_use_the_chinese_font():
    data = _render(style='@page { @top-center { content: "职工之家页眉" } }')
    by_font = _text_by_font(data)
    assert "职工之家页眉" in by_font["Union-Sans-SC"]
    assert "1 / 1" in by_font["Union-Sans-SC"]  # base.html's page number, @bottom-center


def test_render_pdf_by_template_name():
    data = render_pdf("pdf/base.html", {})
    assert data.startswith(b"%PDF-")
    assert "1 / 1" in _text(data)


def test_rendering_happens_in_the_requested_language():
    source = '{% extends "pdf/base.html" %}{% load i18n %}{% block content %}<p>{% translate "Yes" %} {{ LANGUAGE_CODE }}</p>{% endblock %}'
    with translation.override("zh-hans"):
        chinese = translation.gettext("Yes")
    assert chinese != "Yes"
    before = translation.get_language()

    assert "Yes en" in _text(render_pdf_from_string(source, language="en"))
    assert f"{chinese} zh-hans" in _text(render_pdf_from_string(source, language="zh-hans"))
    assert f"{chinese} zh-hans" in _text(render_pdf_from_string(source))  # default: settings.LANGUAGE_CODE
    assert translation.get_language() == before


def test_without_the_subset_files_the_system_face_is_used(monkeypatch, tmp_path, fresh_font_config):
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)
    assert pdf.font_faces() == []
    data = _render()
    assert "中华全国总工会" in _text(data)
    fonts = _base_fonts(data)
    assert "Noto-Sans-CJK-SC" in fonts and not any("Union" in name for name in fonts)


def test_network_urls_are_not_fetched(caplog):
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        data = render_pdf_from_string(
            '{% extends "pdf/base.html" %}{% block content %}<img src="http://192.0.2.1/x.png">职工之家{% endblock %}'
        )
    assert "职工之家" in _text(data)
    assert "disallowed protocol" in caplog.text
