"""ND 30 rendering: Vietnamese repertoire, fonts, placeholder positions and page layout.

No database: these tests render templates and read PDFs only. pdftotext (poppler-utils) gives an
independent reading of the PDF; tests that need it are skipped with the reason when it is
missing.
"""

import datetime
import io
import unicodedata
from itertools import combinations

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from signatures import fonts, rendering
from signatures.fonts import STAMP_REPERTOIRE, VIETNAMESE_LETTERS
from signatures.rendering import RenderingError, SignatureBlock, render_pdf
from tests.signatures.poppler import (
    baseline,
    descent_share,
    pdftotext,
    pdftotext_missing,
    words_by_page,
)

MM = 72 / 25.4  # PDF points per millimetre
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM
# The ND 30 content area in PDF points (origin bottom-left): margins left 30, right 15, top and
# bottom 20 mm.
LEFT, RIGHT, BOTTOM, TOP = 30 * MM, PAGE_WIDTH - 15 * MM, 20 * MM, PAGE_HEIGHT - 20 * MM
TOLERANCE = 0.5  # pt: layout arithmetic in CSS pixels, rounded to 1/1000 pt

GIVEN_NAMES = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Giang",
    "Hà",
    "Hải",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lâm",
    "Linh",
    "Minh",
    "Nga",
    "Nhung",
    "Phúc",
    "Quang",
    "Sơn",
    "Thắng",
    "Thảo",
    "Trung",
    "Tuấn",
    "Uyên",
    "Việt",
    "Xuân",
    "Yến",
    "Ánh",
)


def make_blocks(count, *, organisation_on=(0,)):
    return [
        SignatureBlock(
            name=f"Sig{index + 1:02d}",
            authority="KT. CHỦ TỊCH" if index % 3 == 0 else "",
            title="PHÓ CHỦ TỊCH" if index % 2 else "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN VĨNH BẢO",
            signer_name=f"Nguyễn Văn {GIVEN_NAMES[index]}",
            organisation_field=f"Org{index + 1:02d}" if index in organisation_on else None,
        )
        for index in range(count)
    ]


def base_context(**extra):
    return {
        "parent_body": "UBND thành phố Hải Phòng",
        "issuing_body": "Khối thi đua các quận, huyện",
        "symbol": "GƯ-UBND",
        "place": "Hải Phòng",
        "year": 2026,
        "document_type": "Bản giao ước thi đua năm 2026",
        "summary": "Khối thi đua các quận, huyện",
        **extra,
    }


def render_generic(count, **extra):
    return render_pdf(
        "signatures/nd30/generic.html",
        base_context(paragraphs=["Nội dung giao ước."], **extra),
        signature_blocks=make_blocks(count),
        text_fields=("number", "date"),
    )


def embedded_fonts(content):
    """The TrueType programs (FontFile2) of every font used on any page."""
    reader = PdfFileReader(io.BytesIO(content))
    programs = {}

    def pages(node):
        if node["/Type"] == "/Pages":
            for kid in node["/Kids"]:
                yield from pages(kid.get_object())
        else:
            yield node

    for page in pages(reader.root["/Pages"]):
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"]
                if "/FontFile2" in descriptor:
                    stream = descriptor["/FontFile2"]
                    programs[str(font["/BaseFont"])] = TTFont(io.BytesIO(stream.data))
    return programs


def overlap(a, b):
    """Width and height of the intersection of two boxes (0 when apart)."""
    return (
        max(0.0, min(a[2], b[2]) - max(a[0], b[0])),
        max(0.0, min(a[3], b[3]) - max(a[1], b[1])),
    )


# Vietnamese letters ----------------------------------------------------------------------------


def test_vietnamese_letters_are_complete_and_precomposed():
    toned = [char for char in VIETNAMESE_LETTERS if not char.isascii()]
    assert len(toned) == (12 * 6 - 6) * 2 + 2  # 12 vowels × 6 tones, minus a e i o u y; đ Đ
    assert len(VIETNAMESE_LETTERS) == 196  # + 26 + 26 ASCII letters + 10 digits
    assert all(unicodedata.is_normalized("NFC", char) for char in VIETNAMESE_LETTERS)
    for letter in "ặẶữỮỹỸờỜđĐưƯơƠ":
        assert letter in VIETNAMESE_LETTERS


def repertoire_words(form):
    """The repertoire as words of 14 letters, so that no line break splits a word."""
    text = unicodedata.normalize(form, VIETNAMESE_LETTERS)
    letters = list(unicodedata.normalize("NFC", text))
    words = ["".join(letters[i : i + 14]) for i in range(0, len(letters), 14)]
    return [unicodedata.normalize(form, word) for word in words]


@pytest.fixture(scope="module", params=["NFC", "NFD"])
def repertoire_pdf(request):
    words = repertoire_words(request.param)
    if request.param == "NFD":
        assert any(unicodedata.combining(char) for char in "".join(words))
    paragraphs = [" ".join(words), "Khối thi đua ký kết giao ước năm 2026 – Trưởng khối."]
    return render_pdf(
        "signatures/nd30/generic.html",
        base_context(paragraphs=[unicodedata.normalize(request.param, p) for p in paragraphs]),
        signature_blocks=make_blocks(1),
    )


def test_every_letter_has_a_glyph_in_an_embedded_font(repertoire_pdf):
    programs = embedded_fonts(repertoire_pdf.content)
    assert programs
    covered = set()
    for program in programs.values():
        covered |= {
            chr(code) for code, glyph in program.getBestCmap().items() if glyph != ".notdef"
        }
    missing = [char for char in VIETNAMESE_LETTERS if char not in covered]
    assert not missing


def test_the_embedded_fonts_are_the_document_font(repertoire_pdf):
    family = fonts.document_font_paths().family
    for program in embedded_fonts(repertoire_pdf.content).values():
        assert program["name"].getDebugName(1) == family
        if family == "Liberation Serif":
            # Liberation 1.x has no ư/ơ; 2.x is what fonts-liberation2 installs.
            assert program["name"].getDebugName(5).startswith("Version 2.")


@pdftotext_missing
def test_extracted_text_comes_back_unchanged(repertoire_pdf):
    text = " ".join(pdftotext(repertoire_pdf.content, "-layout").split())
    for word in repertoire_words("NFC"):
        assert word in text
    assert all(char in text for char in VIETNAMESE_LETTERS)
    assert "Khối thi đua ký kết giao ước năm 2026 – Trưởng khối." in text


def test_html_is_normalised_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Trưởng khối Đặng Thị Ngọc Hưởng")
    markup = rendering.render_html(
        "signatures/nd30/generic.html",
        base_context(paragraphs=[decomposed]),
        signature_blocks=make_blocks(1),
    )
    assert unicodedata.is_normalized("NFC", markup)
    assert "Trưởng khối Đặng Thị Ngọc Hưởng" in markup


# Fonts -----------------------------------------------------------------------------------------


def test_stamp_font_is_a_1000_upem_subset_with_the_whole_repertoire():
    data = fonts.stamp_font_bytes()
    font = TTFont(io.BytesIO(data))
    assert font["head"].unitsPerEm == 1000
    cmap = font.getBestCmap()
    assert [char for char in STAMP_REPERTOIRE if ord(char) not in cmap] == []
    assert len(data) * 5 < fonts.document_font_paths().regular.stat().st_size
    assert fonts.stamp_font_bytes() is data  # cached


def test_stamp_font_widths_are_in_thousandths_of_an_em():
    font = TTFont(io.BytesIO(fonts.stamp_font_bytes()))
    glyph = font.getBestCmap()[ord("M")]
    # Times-metric "M" is 0.889 em wide.
    assert 850 < font["hmtx"][glyph][0] < 930


def fake_family(directory, family, names):
    directory.mkdir()
    for name in names:
        (directory / name).write_bytes(b"")
    return fonts.FontPaths(family, *(directory / name for name in names))


def test_document_font_prefers_liberation_serif_2(tmp_path, monkeypatch):
    liberation = fake_family(
        tmp_path / "liberation2",
        "Liberation Serif",
        [f"LiberationSerif-{style}.ttf" for style in ("Regular", "Bold", "Italic", "BoldItalic")],
    )
    dejavu = fake_family(
        tmp_path / "dejavu",
        "DejaVu Serif",
        [f"DejaVuSerif{style}.ttf" for style in ("", "-Bold", "-Italic", "-BoldItalic")],
    )
    monkeypatch.setattr(fonts, "_CANDIDATES", (liberation, dejavu))
    assert fonts.document_font_paths() == liberation

    liberation.bold.unlink()  # an incomplete family is skipped
    assert fonts.document_font_paths() == dejavu

    dejavu.regular.unlink()
    with pytest.raises(fonts.FontMissing, match="fonts-liberation2"):
        fonts.document_font_paths()


def test_installed_document_font_is_liberation_serif_2_when_present():
    paths = fonts.document_font_paths()
    if fonts.LIBERATION2_DIR.joinpath("LiberationSerif-Regular.ttf").is_file():
        assert paths.family == "Liberation Serif"
        assert paths.regular.parent == fonts.LIBERATION2_DIR
    assert all(path.is_file() for path in paths.all())


# Placeholder positions -------------------------------------------------------------------------


COUNTS = (1, 2, 3, 6, 8, 20)
# Layouts with a seal on every block, and "Nơi nhận" beside a lone last block (odd counts).
ALL_SEALS = ("3-seals", "8-seals")


def render_all_seals(count):
    return render_pdf(
        "signatures/nd30/generic.html",
        base_context(paragraphs=["Nội dung."], recipients=["Sở Nội vụ", "Lưu: VT, KTĐ"]),
        signature_blocks=make_blocks(count, organisation_on=range(count)),
    )


@pytest.fixture(scope="module")
def rendered():
    results = {count: render_generic(count) for count in COUNTS}
    results |= {key: render_all_seals(int(key.split("-")[0])) for key in ALL_SEALS}
    return results


def seals(result):
    """(seal, personal) placement pairs: OrgNN belongs to SigNN in these tests."""
    return [
        (field, result.field(field.name.replace("Org", "Sig")))
        for field in result.fields
        if field.kind == "organisation"
    ]


def inside_content_area(box):
    x1, y1, x2, y2 = box
    return (
        x1 >= LEFT - TOLERANCE
        and x2 <= RIGHT + TOLERANCE
        and y1 >= BOTTOM - TOLERANCE
        and y2 <= TOP + TOLERANCE
    )


@pytest.mark.parametrize("count", COUNTS)
def test_every_block_and_text_field_is_reported(rendered, count):
    names = {field.name for field in rendered[count].fields}
    assert names == {"number", "date", "Org01"} | {f"Sig{i + 1:02d}" for i in range(count)}


@pytest.mark.parametrize("key", COUNTS + ALL_SEALS)
def test_every_placement_is_inside_the_margins(rendered, key):
    result = rendered[key]
    for field in result.fields:
        assert inside_content_area(field.box), field
        assert 0 <= field.page < result.page_count


@pytest.mark.parametrize("key", COUNTS + ALL_SEALS)
def test_signature_boxes_are_large_enough(rendered, key):
    for field in rendered[key].fields:
        if field.kind == "signature":
            assert field.height >= 20 * MM and field.width >= 50 * MM, field
        if field.kind == "organisation":
            assert field.height >= 20 * MM and field.width >= 20 * MM, field


@pytest.mark.parametrize("key", COUNTS + ALL_SEALS)
def test_placements_do_not_overlap_except_a_seal_on_its_signature(rendered, key):
    result = rendered[key]
    allowed = [{seal.name, personal.name} for seal, personal in seals(result)]
    for a, b in combinations(result.fields, 2):
        if a.page == b.page and {a.name, b.name} not in allowed:
            width, height = overlap(a.box, b.box)
            assert width * height == 0, (a, b)


@pytest.mark.parametrize("key", COUNTS + ALL_SEALS)
def test_the_seal_covers_the_left_third_of_the_personal_signature(rendered, key):
    pairs = seals(rendered[key])
    assert pairs
    for seal, personal in pairs:
        assert seal.page == personal.page
        width, height = overlap(seal.box, personal.box)
        assert 0.25 <= width / personal.width <= 0.45
        assert seal.box[0] < personal.box[0]  # it sticks out on the left
        assert seal.box[2] < personal.box[0] + personal.width / 2
        assert height == pytest.approx(personal.height)


def test_one_signer_sits_on_the_right_half(rendered):
    box = rendered[1].field("Sig01").box
    assert (box[0] + box[2]) / 2 > (LEFT + RIGHT) / 2


def test_two_signers_share_a_row_centred_in_their_halves(rendered):
    first, second = rendered[2].field("Sig01").box, rendered[2].field("Sig02").box
    middle = (LEFT + RIGHT) / 2
    assert first[1] == pytest.approx(second[1]) and first[3] == pytest.approx(second[3])
    assert (first[0] + first[2]) / 2 == pytest.approx((LEFT + middle) / 2, abs=1)
    assert (second[0] + second[2]) / 2 == pytest.approx((middle + RIGHT) / 2, abs=1)


def test_many_signers_spill_onto_more_pages_in_order(rendered):
    result = rendered[20]
    signatures = [field for field in result.fields if field.kind == "signature"]
    pages = [field.page for field in signatures]
    assert result.page_count >= 3
    assert pages == sorted(pages) and len(set(pages)) >= 2
    assert max(pages) == result.page_count - 1
    assert PdfFileReader(io.BytesIO(result.content)).root["/Pages"]["/Count"] == result.page_count


@pdftotext_missing
@pytest.mark.parametrize("key", (3, 20, "3-seals"))
def test_the_boxes_are_the_blank_spaces_of_the_pdf(rendered, key):
    """Independent check with poppler: each box sits right between its title and its name, on
    the reported page, and no printed word falls inside a box."""
    result = rendered[key]
    words = words_by_page(result.content)
    for block in make_blocks(int(str(key).split("-")[0])):
        field = result.field(block.name)
        given_name = block.signer_name.split()[-1]
        [name_box] = [
            box
            for page, text, box in words
            if page == field.page
            and text == given_name
            and field.box[0] < box[0] < box[2] < field.box[2]
            and 0 <= field.box[1] - box[3] < 8 * MM  # the name just below the box
        ]
        title_end = [
            box
            for page, text, box in words
            if page == field.page
            and text == block.title.split()[-1]
            and field.box[0] - 10 * MM < box[0] < box[2] < field.box[2] + 10 * MM
            and 0 <= box[1] - field.box[3] < 5 * MM  # the title just above the box
        ]
        assert title_end
        # The whole name is centred under the signature space (ô 7b under ô 7c).
        name_line = [
            box
            for page, _text, box in words
            if page == field.page
            and box[1] == pytest.approx(name_box[1])
            and field.box[0] < box[0] < box[2] < field.box[2]
        ]
        name_centre = (min(b[0] for b in name_line) + max(b[2] for b in name_line)) / 2
        assert name_centre == pytest.approx((field.box[0] + field.box[2]) / 2, abs=2)
    for page, text, box in words:
        for field in result.fields:
            if field.page == page:
                width, height = overlap(box, field.box)
                assert width * height < 1, (text, field)


def test_text_placeholders_sit_in_the_header(rendered):
    for count in COUNTS:
        result = rendered[count]
        number, date = result.field("number"), result.field("date")
        for field in (number, date):
            assert field.kind == "text" and field.page == 0
            assert field.box[1] > PAGE_HEIGHT * 0.75  # upper quarter of page 1
            assert 10 <= field.height <= 25
        assert 8 * MM <= number.width <= 20 * MM
        assert 20 * MM <= date.width <= 40 * MM
        assert number.box[2] < (LEFT + RIGHT) / 2 < date.box[0]  # ô 3 left, ô 4 right
        assert number.box[1] == pytest.approx(date.box[1], abs=3)  # the same line


@pdftotext_missing
def test_text_placeholders_are_blank_between_their_words(rendered):
    result = rendered[1]
    text = " ".join(pdftotext(result.content, "-layout").split())
    assert "Số: /GƯ-UBND" in text
    assert "Hải Phòng, ngày năm 2026" in text


@pdftotext_missing
def test_the_printed_baseline_crosses_text_placeholders_where_pades_expects_it(rendered):
    """The filled number and date are drawn at TEXT_FIELD_BASELINE of their box's height
    (pades): there runs the baseline of the words printed beside the placeholder."""
    result = rendered[1]
    words = words_by_page(result.content)
    share = descent_share(result.content)
    for name, neighbours in (("number", ("Số:", "/GƯ-UBND")), ("date", ("ngày", "năm"))):
        field = result.field(name)
        expected = field.box[1] + field.height * rendering.TEXT_FIELD_BASELINE
        found = [
            box
            for page, text, box in words
            if page == field.page and text in neighbours and box[1] < field.box[3] < box[3] + 5
        ]
        assert len(found) == 2, found
        for box in found:
            assert baseline(box, share) == pytest.approx(expected, abs=0.3)


# ND 30 page layout -----------------------------------------------------------------------------


def text_boxes(page):
    """Text boxes of a laid-out page in PDF points, page-margin boxes (page numbers) apart."""
    from weasyprint.formatting_structure import boxes

    height = page.height
    for child in page._page_box.children:
        if isinstance(child, boxes.MarginBox):
            continue
        for box in child.descendants(placeholders=True):
            if isinstance(box, boxes.TextBox) and box.text.strip():
                x, y = box.content_box_x(), box.content_box_y()
                yield (
                    x * 0.75,
                    (height - y - box.height) * 0.75,
                    (x + box.width) * 0.75,
                    (height - y) * 0.75,
                )


@pytest.fixture(scope="module")
def example_document():
    markup = rendering.render_html(
        "signatures/nd30/example.html",
        base_context(recipients=["Ban Thi đua - Khen thưởng", "Lưu: VT, KTĐ"]),
        signature_blocks=make_blocks(8),
    )
    with rendering._styles.lock:
        return rendering.layout(markup)


def test_text_keeps_the_nd30_margins(example_document):
    every = []
    for page in example_document.pages:
        assert page.width * 0.75 == pytest.approx(PAGE_WIDTH, abs=0.1)
        assert page.height * 0.75 == pytest.approx(PAGE_HEIGHT, abs=0.1)
        page_boxes = list(text_boxes(page))
        assert page_boxes
        every += page_boxes
    assert min(box[0] for box in every) >= LEFT - 1
    assert max(box[2] for box in every) <= RIGHT + 1
    assert min(box[1] for box in every) >= BOTTOM - 1
    assert max(box[3] for box in every) <= TOP + 1
    # Justified lines do reach both margins: the content area is used, not just respected.
    assert min(box[0] for box in every) == pytest.approx(LEFT, abs=1)
    assert max(box[2] for box in every) == pytest.approx(RIGHT, abs=1)


@pdftotext_missing
def test_page_numbers_from_page_two_centred_in_the_top_margin(rendered):
    result = rendered[20]
    words = words_by_page(result.content)
    for page in range(result.page_count):
        in_margin = [(text, box) for p, text, box in words if p == page and box[1] > TOP]
        if page == 0:
            assert in_margin == []
        else:
            [(text, box)] = in_margin
            assert text == str(page + 1)
            assert (box[0] + box[2]) / 2 == pytest.approx((LEFT + RIGHT) / 2, abs=2)


@pdftotext_missing
def test_example_reads_as_an_nd30_document():
    result = render_pdf(
        "signatures/nd30/example.html",
        base_context(
            number=5,
            date=datetime.date(2024, 2, 28),
            recipients=["Ban Thi đua - Khen thưởng;", "- Các đơn vị thành viên", "Lưu: VT, KTĐ."],
        ),
        signature_blocks=make_blocks(8),
    )
    assert {field.kind for field in result.fields} == {"signature", "organisation"}
    text = " ".join(pdftotext(result.content, "-layout").split())
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND THÀNH PHỐ HẢI PHÒNG",
        "Số: 05/GƯ-UBND",
        "Hải Phòng, ngày 28 tháng 02 năm 2024",
        "BẢN GIAO ƯỚC THI ĐUA NĂM 2026",
        "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15",
        "Nơi nhận: - Ban Thi đua - Khen thưởng; - Các đơn vị thành viên; - Lưu: VT, KTĐ.",
        "KT. CHỦ TỊCH",
        "Nguyễn Văn Bình",
    ):
        assert expected in text


# Wording and input checks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2024, 2, 28), "ngày 28 tháng 02 năm 2024"),
        (datetime.date(2024, 1, 5), "ngày 05 tháng 01 năm 2024"),
        (datetime.date(2024, 3, 9), "ngày 09 tháng 3 năm 2024"),
        (datetime.date(2024, 12, 31), "ngày 31 tháng 12 năm 2024"),
    ],
)
def test_nd30_date(day, expected):
    assert rendering.nd30_date(day) == expected


def test_nd30_number_pads_below_ten():
    assert [rendering.nd30_number(n) for n in (1, "7", 10, "123", "12a")] == [
        "01",
        "07",
        "10",
        "123",
        "12a",
    ]


def test_recipient_lines_punctuation():
    assert rendering.recipient_lines(["- UBND thành phố;", "Sở Nội vụ", " ", "Lưu: VT, KTĐ"]) == [
        "- UBND thành phố;",
        "- Sở Nội vụ;",
        "- Lưu: VT, KTĐ.",
    ]


def test_requested_text_field_missing_is_an_error():
    with pytest.raises(RenderingError, match="date"):
        render_pdf(
            "signatures/nd30/generic.html",
            base_context(date=datetime.date(2026, 3, 1)),
            signature_blocks=make_blocks(1),
            text_fields=("number", "date"),
        )


@pytest.mark.parametrize(
    "blocks",
    [
        [
            SignatureBlock("Sig01", "", "CHỦ TỊCH", "A"),
            SignatureBlock("Sig01", "", "CHỦ TỊCH", "B"),
        ],
        [SignatureBlock("Sig01", "", "CHỦ TỊCH", "A", organisation_field="Sig01")],
        [SignatureBlock("Sig.01", "", "CHỦ TỊCH", "A")],
    ],
)
def test_bad_field_names_are_refused(blocks):
    with pytest.raises(ValueError):
        render_pdf("signatures/nd30/generic.html", base_context(), signature_blocks=blocks)


@pdftotext_missing
def test_user_text_is_escaped_not_markup():
    result = render_pdf(
        "signatures/nd30/generic.html",
        base_context(paragraphs=['<img src="file:///etc/hostname"> <b>đậm</b>']),
        signature_blocks=make_blocks(1),
    )
    assert '<img src="file:///etc/hostname"> <b>đậm</b>' in pdftotext(result.content)


def test_resources_other_than_our_fonts_are_refused():
    fetcher = rendering._local_fetcher((fonts.document_font_paths().regular.parent,))
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/hostname")
    with pytest.raises(ValueError):
        fetcher.fetch("https://example.com/logo.png")
    response = fetcher.fetch(fonts.document_font_paths().regular.as_uri())
    assert response.read(4) in (b"\x00\x01\x00\x00", b"true")
