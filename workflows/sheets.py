"""Tables in XLSX workbooks: read rows with typed columns, write them back.

Every import of the site (criteria sets, award history, indicator and violation lists) reads a
sheet through ``read_table``: the header row names the columns (in any order, extra spaces and
case ignored), each cell is parsed by its column, and every fault is collected with its row and
column before anything is written, so an official fixes the whole sheet at once. A bad sheet
raises ``SheetError``, a ``ValidationError`` whose messages read "Dòng 7, cột “Điểm tối đa”: …".
"""

import datetime
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

#: The largest sheet read (rows after the header): a bound on the work one upload causes.
MAX_ROWS = 20_000


class CellError(ValueError):
    """Raised by a column's parser; its message says what is wrong with the value."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    parse: Callable[[Any], Any]
    required: bool = True
    #: The column's width in an exported sheet, in characters.
    width: int = 18


class SheetError(ValidationError):
    """A sheet that cannot be imported; one message per fault, each naming its row or column."""


def _normalise(text) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split()).casefold()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(upload, columns: list[Column]) -> list[dict]:
    """The rows of the first sheet of ``upload`` as dictionaries by column key.

    Blank rows are skipped; each dictionary carries ``"row"``, the row's number in the sheet.
    """
    sheet = _open_first_sheet(upload)
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    positions = _column_positions(header or (), columns)
    results, errors = [], []
    for number, values in enumerate(rows, start=2):
        if all(_blank(value) for value in values):
            continue
        if len(results) >= MAX_ROWS:
            errors.append(_("The sheet has more than %(count)s rows.") % {"count": MAX_ROWS})
            break
        row, row_errors = _parse_row(number, values, positions, columns)
        results.append(row)
        errors.extend(row_errors)
    if errors:
        raise SheetError(errors)
    if not results:
        raise SheetError(_("The sheet has no rows under its header."))
    return results


def _open_first_sheet(upload):
    try:
        upload.seek(0)
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise SheetError(_("The file is not an Excel workbook (.xlsx).")) from error
    return workbook.worksheets[0]


def _column_positions(header, columns: list[Column]) -> dict[str, int]:
    found = {_normalise(title): index for index, title in enumerate(header) if not _blank(title)}
    known = {_normalise(column.header) for column in columns}
    errors = [
        _("Column “%(column)s” is missing from the header row.") % {"column": column.header}
        for column in columns
        if _normalise(column.header) not in found and column.required
    ]
    errors += [
        _("Column “%(column)s” is not one of this sheet's columns (%(expected)s).")
        % {"column": title, "expected": ", ".join(str(column.header) for column in columns)}
        for title in header
        if not _blank(title) and _normalise(title) not in known
    ]
    if errors:
        raise SheetError(errors)
    return {
        column.key: found[_normalise(column.header)]
        for column in columns
        if _normalise(column.header) in found
    }


def _parse_row(number, values, positions, columns):
    row, errors = {"row": number}, []
    for column in columns:
        index = positions.get(column.key)
        raw = values[index] if index is not None and index < len(values) else None
        if _blank(raw):
            if column.required:
                errors.append(_cell_message(number, column, _("a value is required")))
            row[column.key] = None
            continue
        try:
            row[column.key] = column.parse(raw)
        except CellError as error:
            errors.append(_cell_message(number, column, str(error)))
    return row, errors


def _cell_message(number, column, message) -> str:
    return _("Row %(row)s, column “%(column)s”: %(message)s.") % {
        "row": number,
        "column": column.header,
        "message": message,
    }


def write_table(columns: list[Column], rows: Iterable[dict], *, title: str) -> bytes:
    """An XLSX workbook of one sheet: the header in bold, then ``rows`` by column key."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([str(column.header) for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = column.width
    for row in rows:
        sheet.append([_cell_value(row.get(column.key)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell_value(value):
    if isinstance(value, Promise):  # a lazy translation, such as a choice's label
        return str(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return float(value)
    return value


# Parsers for the usual kinds of cell. Each returns a parser for ``Column.parse``.


def text(max_length: int = 500) -> Callable[[Any], str]:
    def parse(value) -> str:
        value = unicodedata.normalize("NFC", str(value).strip())
        if len(value) > max_length:
            raise CellError(
                _("at most %(count)s characters, not %(length)s")
                % {"count": max_length, "length": len(value)}
            )
        return value

    return parse


def integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[Any], int]:
    def parse(value) -> int:
        number = number_in(minimum, maximum)(value)
        if number != number.to_integral_value():
            raise CellError(_("“%(value)s” is not a whole number") % {"value": value})
        return int(number)

    return parse


def number_in(minimum=None, maximum=None) -> Callable[[Any], Decimal]:
    def parse(value) -> Decimal:
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a number") % {"value": value}) from None
        if not number.is_finite():
            raise CellError(_("“%(value)s” is not a number") % {"value": value})
        if minimum is not None and number < Decimal(str(minimum)):
            raise CellError(
                _("%(value)s is below the least allowed, %(minimum)s")
                % {"value": value, "minimum": minimum}
            )
        if maximum is not None and number > Decimal(str(maximum)):
            raise CellError(
                _("%(value)s is above the most allowed, %(maximum)s")
                % {"value": value, "maximum": maximum}
            )
        return number

    return parse


def date() -> Callable[[Any], datetime.date]:
    def parse(value) -> datetime.date:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.datetime.strptime(str(value).strip(), pattern).date()
            except ValueError:
                continue
        raise CellError(_("“%(value)s” is not a date (dd/mm/yyyy)") % {"value": value})

    return parse


YES_WORDS = {"có", "x", "yes", "true", "1", "c"}
NO_WORDS = {"không", "no", "false", "0", "k"}


def yes_no() -> Callable[[Any], bool]:
    def parse(value) -> bool:
        if isinstance(value, bool):
            return value
        word = _normalise(value)
        if word in YES_WORDS or word == _normalise(_("yes")):
            return True
        if word in NO_WORDS or word == _normalise(_("no")):
            return False
        raise CellError(_("“%(value)s” is neither “có” nor “không”") % {"value": value})

    return parse


def choice(options: dict[str, Any]) -> Callable[[Any], Any]:
    """A value from ``options`` by its code or its label (keys compared case-insensitively)."""
    by_name = {_normalise(name): value for name, value in options.items()}

    def parse(value):
        try:
            return by_name[_normalise(value)]
        except KeyError:
            raise CellError(
                _("“%(value)s” is not one of %(options)s")
                % {"value": value, "options": ", ".join(options)}
            ) from None

    return parse
