import datetime
import decimal
import io
import zoneinfo

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from union_site import excel
from union_site.excel import XLSX, safe_cell_value, write_xlsx, xlsx_response

ID_NUMBER = "110105194912310010"  # 18 digits: as a number Excel would show 1.10105E+17


def _xlsx(headers, rows, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows, **kwargs)
    return buffer.getvalue()


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")'])
def test_formula_starts_are_defused(value):
    assert safe_cell_value(value) == "'" + value


def test_safe_cell_value_cleans_strings_and_keeps_numbers_and_dates():
    assert safe_cell_value("张\x01三\x0b\x1f\ufffe") == "张三"
    assert safe_cell_value("a\tb\nc") == "a\tb\nc"  # tab and newline inside are fine
    assert safe_cell_value(ID_NUMBER) == ID_NUMBER  # digit strings are never made numbers
    assert safe_cell_value("0123") == "0123"
    assert safe_cell_value(None) == "" and safe_cell_value(True) == "是" and safe_cell_value(False) == "否"
    assert safe_cell_value(42) == 42 and safe_cell_value(1.5) == 1.5
    assert safe_cell_value(decimal.Decimal("12.50")) == decimal.Decimal("12.50")
    assert safe_cell_value(110105194912310010) == ID_NUMBER  # past 15 digits Excel would round it
    assert safe_cell_value(float("nan")) == "nan"
    assert safe_cell_value(datetime.date(2025, 3, 5)) == datetime.date(2025, 3, 5)


def test_aware_datetimes_are_written_in_local_time(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    value = datetime.datetime(2025, 3, 5, 1, 30, tzinfo=datetime.UTC)
    assert safe_cell_value(value) == datetime.datetime(2025, 3, 5, 9, 30)
    shanghai = datetime.datetime(2025, 3, 5, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    assert safe_cell_value(shanghai) == datetime.datetime(2025, 3, 5, 9, 30)


def test_a_formula_comes_back_as_text_not_a_formula():
    ws = _sheet(_xlsx(["备注"], [["=1+1"], ["@cmd"]]))
    assert ws["A2"].value == "'=1+1" and ws["A2"].data_type == "s"
    assert ws["A3"].value == "'@cmd" and ws["A3"].data_type == "s"


def test_illegal_characters_are_stripped_from_the_file():
    ws = _sheet(_xlsx(["姓名\x00"], [["张\x01三"], ["a & <b>\r\nc"]]))
    assert ws["A1"].value == "姓名"
    assert ws["A2"].value == "张三"
    assert ws["A3"].value == "a & <b>\r\nc"


def test_id_numbers_stay_exact_strings_in_text_columns():
    rows = [["王芳", ID_NUMBER, "13800138000"], ["李明", 11010519491231002, 13900139000], ["赵六", "11010519491231002X", ""]]
    data = _xlsx(["姓名", "身份证号", "手机号"], rows, text_columns=[1, 2])
    ws = _sheet(data)
    assert ws["B2"].value == ID_NUMBER and ws["B2"].data_type == "s" and ws["B2"].number_format == "@"
    assert ws["B3"].value == "11010519491231002" and ws["B3"].number_format == "@"  # an int, written as text
    assert ws["C3"].value == "13900139000" and ws["C3"].number_format == "@"
    assert ws["B4"].value == "11010519491231002X"
    # python-calamine (the roster importer's reader) sees the same strings
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sheet[1][1] == ID_NUMBER and sheet[2][1] == "11010519491231002" and sheet[2][2] == "13900139000"


def test_chinese_headers_round_trip_bold_and_sheet_title_is_cleaned():
    headers = ["姓名", "身份证号", "入会日期", "会费（元）", "登记时间"]
    rows = [["王芳", ID_NUMBER, datetime.date(2024, 3, 5), decimal.Decimal("12.50"), datetime.datetime(2025, 1, 2, 8, 30)]]
    data = _xlsx(headers, rows, sheet_title="2025/1 会员[名单]:第一车间工会小组的全部会员名单（含退休会员）", text_columns=[1])
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert [c.value for c in ws[1]] == headers
    assert all(c.font.b for c in ws[1])
    assert ws.title == "2025_1 会员_名单__第一车间工会小组的全部会员名单（含"  # no []:/, 31 characters at most
    assert ws["C2"].value == datetime.datetime(2024, 3, 5) and ws["C2"].is_date
    assert ws["D2"].value == 12.5 and ws["D2"].data_type == "n"
    assert ws["E2"].value == datetime.datetime(2025, 1, 2, 8, 30)


def test_columns_are_sized_to_their_content():
    ws = _sheet(_xlsx(["姓名", "单位", "x"], [["王芳", "城关中心小学工会第一分会", ""]]))
    widths = {col: ws.column_dimensions[col].width for col in "ABC"}
    assert widths["B"] > widths["A"] >= 6
    assert widths["C"] == 6
    ws = _sheet(_xlsx(["姓名"], [["王芳"]], widths=[30]))
    assert ws.column_dimensions["A"].width == 30


def test_write_xlsx_streams_an_iterator_and_counts_rows():
    rows = ([f"会员{i}", i] for i in range(1234))
    buffer = io.BytesIO()
    assert write_xlsx(buffer, ["姓名", "序号"], rows) == 1234
    ws = _sheet(buffer.getvalue())
    assert ws.max_row == 1235 and ws["A1235"].value == "会员1233" and ws["B1235"].value == 1233


def test_more_rows_than_excel_holds_is_an_error(monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    with pytest.raises(ValueError, match="rows"):
        write_xlsx(io.BytesIO(), ["姓名"], [["甲"], ["乙"], ["丙"]])


def test_xlsx_response_downloads_with_a_chinese_file_name():
    response = xlsx_response("会员花名册.xlsx", ["姓名", "身份证号"], iter([["王芳", ID_NUMBER]]), sheet_title="花名册",
                             text_columns=[1])
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="export.xlsx"' in disposition  # ASCII fallback
    assert "filename*=UTF-8''%E4%BC%9A%E5%91%98%E8%8A%B1%E5%90%8D%E5%86%8C.xlsx" in disposition
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    ws = _sheet(body)
    assert ws.title == "花名册" and ws["A2"].value == "王芳" and ws["B2"].value == ID_NUMBER


def test_xlsx_response_file_names_cannot_break_the_header():
    response = xlsx_response('2025/1 "提案"\r\n汇总', ["a"], [])
    disposition = response["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition
    assert "filename*=UTF-8''2025_1%20%22%E6%8F%90%E6%A1%88%22%20%20%E6%B1%87%E6%80%BB.xlsx" in disposition
    response = xlsx_response("roster-2025.xlsx", ["a"], [])
    assert 'filename="roster-2025.xlsx"' in response["Content-Disposition"]
