import io
import time

import pdfplumber
from django.template import engines
from openpyxl import load_workbook
from pypdf import PdfReader

from union_site.excel import safe_cell_value, write_xlsx, xlsx_response
from union_site.pdf import render_pdf


def test_render_pdf_puts_chinese_text_that_reads_back(settings):
    started = time.monotonic()
    pdf = render_pdf("pdf/_test_sample.html", {"title": "中华全国总工会 职工之家 会员证", "lines": ["王芳", "李明"]})
    elapsed = time.monotonic() - started
    assert pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "中华全国总工会" in text and "职工之家" in text and "王芳" in text
    fonts = {f["fontname"] for f in pdfplumber.open(io.BytesIO(pdf)).pages[0].chars}
    assert any("Union" in name for name in fonts), fonts  # the pre-subset face, not the full one
    assert elapsed < 20


def test_render_pdf_uses_the_requested_language():
    pdf = render_pdf("pdf/_test_sample.html", {"title": "x", "lines": []}, language="en")
    assert "Page" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    pdf = render_pdf("pdf/_test_sample.html", {"title": "x", "lines": []}, language="zh-hans")
    assert "页" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_formula_injection_is_defused_and_illegal_characters_removed():
    assert safe_cell_value("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert safe_cell_value("-1+2") == "'-1+2"
    assert safe_cell_value("张\x01三") == "张三"
    assert safe_cell_value(True) == "是" and safe_cell_value(None) == ""
    buffer = io.BytesIO()
    write_xlsx(buffer, ["姓名", "身份证号"], [["=1+1", "11010519491231002X"], ["王芳", "110105194912310010"]],
               text_columns=[1])
    ws = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [c.value for c in ws[1]] == ["姓名", "身份证号"]
    assert ws["A2"].value == "'=1+1" and ws["A2"].data_type == "s"
    assert ws["B3"].value == "110105194912310010" and ws["B3"].data_type == "s"  # not 1.1E+17


def test_xlsx_response_streams_with_a_chinese_file_name():
    response = xlsx_response("会员花名册.xlsx", ["姓名"], [["王芳"]])
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''%E4%BC%9A%E5%91%98" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert load_workbook(io.BytesIO(body)).active["A2"].value == "王芳"


def test_template_engine_is_available():
    assert engines["django"]
