"""XLSX tables: typed columns, every fault reported by row and column, nothing half-read."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from workflows import sheets

COLUMNS = [
    sheets.Column("code", "Mã", sheets.text(10)),
    sheets.Column("points", "Điểm tối đa", sheets.number_in(0, 100)),
    sheets.Column("count", "Số lượng", sheets.integer(1)),
    sheets.Column("evidence", "Cần minh chứng", sheets.yes_no(), required=False),
    sheets.Column("on", "Ngày", sheets.date(), required=False),
    sheets.Column("kind", "Loại", sheets.choice({"thường": "regular", "chuyên đề": "thematic"})),
]


def workbook(*rows) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


HEADER = ("Mã", "Điểm tối đa", "Số lượng", "Cần minh chứng", "Ngày", "Loại")


def test_reads_typed_rows_in_any_column_order_and_skips_blank_rows():
    upload = workbook(
        ("  loại ", "mã", "ĐIỂM TỐI ĐA", "Số lượng", "Cần minh chứng", "Ngày"),
        ("Chuyên đề", "I.1", "7,5", 2, "có", "31/12/2023"),
        (None, None, None, None, None, None),
        ("thường", "I.2", 10, "3", "không", datetime.datetime(2024, 2, 28)),
    )
    rows = sheets.read_table(upload, COLUMNS)
    assert rows == [
        {
            "row": 2,
            "code": "I.1",
            "points": Decimal("7.5"),
            "count": 2,
            "evidence": True,
            "on": datetime.date(2023, 12, 31),
            "kind": "thematic",
        },
        {
            "row": 4,
            "code": "I.2",
            "points": Decimal("10"),
            "count": 3,
            "evidence": False,
            "on": datetime.date(2024, 2, 28),
            "kind": "regular",
        },
    ]


def test_every_bad_cell_is_reported_with_its_row_and_column():
    upload = workbook(
        HEADER,
        ("I.1", 120, 0, "có lẽ", "32/13/2023", "khác"),
        ("I.2", "mười", 1.5, None, None, "thường"),
        (None, 5, 1, None, None, "thường"),
    )
    with pytest.raises(sheets.SheetError) as raised:
        sheets.read_table(upload, COLUMNS)
    assert raised.value.messages == [
        "Dòng 2, cột “Điểm tối đa”: 120 vượt mức tối đa cho phép là 100.",
        "Dòng 2, cột “Số lượng”: 0 thấp hơn mức tối thiểu cho phép là 1.",
        "Dòng 2, cột “Cần minh chứng”: “có lẽ” không phải “có” hoặc “không”.",
        "Dòng 2, cột “Ngày”: “32/13/2023” không phải ngày (dd/mm/yyyy).",
        "Dòng 2, cột “Loại”: “khác” không thuộc các giá trị thường, chuyên đề.",
        "Dòng 3, cột “Điểm tối đa”: “mười” không phải là số.",
        "Dòng 3, cột “Số lượng”: “1.5” không phải số nguyên.",
        "Dòng 4, cột “Mã”: chưa nhập giá trị.",
    ]


def test_messages_follow_the_reader_language():
    upload = workbook(HEADER, ("I.1", 120, 1, None, None, "thường"))
    with translation.override("en"), pytest.raises(sheets.SheetError) as raised:
        sheets.read_table(upload, COLUMNS)
    assert raised.value.messages == [
        "Row 2, column “Điểm tối đa”: 120 is above the most allowed, 100."
    ]


def test_wrong_header_names_the_missing_and_unknown_columns():
    upload = workbook(("Mã", "Điểm", "Số lượng", "Loại"), ("I.1", 5, 1, "thường"))
    with pytest.raises(sheets.SheetError) as raised:
        sheets.read_table(upload, COLUMNS)
    assert raised.value.messages[0] == "Dòng tiêu đề thiếu cột “Điểm tối đa”."
    assert raised.value.messages[1].startswith("Cột “Điểm” không thuộc các cột của bảng tính")


@pytest.mark.parametrize("content", [b"", b"not a workbook", b"PK\x03\x04broken"])
def test_a_file_that_is_not_a_workbook_is_refused(content):
    with pytest.raises(sheets.SheetError) as raised:
        sheets.read_table(io.BytesIO(content), COLUMNS)
    assert raised.value.messages == ["Tệp không phải là bảng tính Excel (.xlsx)."]


def test_an_empty_sheet_is_refused():
    with pytest.raises(sheets.SheetError, match="không có dòng nào"):
        sheets.read_table(workbook(HEADER), COLUMNS)


def test_written_table_reads_back():
    rows = [
        {
            "code": "I.1",
            "points": Decimal("7.5"),
            "count": 2,
            "evidence": True,
            "on": datetime.date(2023, 12, 31),
            "kind": "chuyên đề",
        },
    ]
    content = sheets.write_table(COLUMNS, rows, title="Bộ tiêu chí")
    assert load_workbook(io.BytesIO(content)).active.title == "Bộ tiêu chí"
    (back,) = sheets.read_table(io.BytesIO(content), COLUMNS)
    assert back == {**rows[0], "row": 2, "kind": "thematic"}
