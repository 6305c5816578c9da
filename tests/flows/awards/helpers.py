"""Workbooks for the import tests, and reading back the ones the site writes."""

import io

from openpyxl import Workbook, load_workbook


def xlsx(*rows, name="sheet.xlsx") -> io.BytesIO:
    """A one-sheet workbook of ``rows`` (the first is the header), named like an upload."""
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def rows_of(content: bytes) -> list[tuple]:
    """Every row of a written workbook's first sheet, header included."""
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]
