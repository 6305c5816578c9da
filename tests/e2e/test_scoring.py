"""A unit's officer fills its self-assessment in a real browser and its head signs it.

The Bạch Long Vĩ bloc (2024) gets a criteria set (the 3 × 15 template); its leader unit's
officer opens the year-end scoring, then fills his own unit's sheet from his inbox: a point over
the maximum is refused with a message naming the component and nothing is saved; he saves,
attaches the evidence the components ask for and sends the sheet to his head. The head finds the
sheet on his step, its PDF once the server's worker has rendered it, and signs with his
certificate and PIN; the scoring page then shows the sheet signed, its PDF bearing his signature.
"""

import io
import re

import pytest
from playwright.sync_api import expect
from pyhanko.pdf_utils.reader import PdfFileReader

from signatures.pki import DEMO_PIN
from tests.e2e.pages import new_page
from tests.e2e.test_covenant import SIGNING_WAIT_MS
from tests.e2e.test_login_and_inbox import sign_in

pytestmark = pytest.mark.e2e

BLOC, BLOC_NAME = "khoi-dvsn-bach-long-vi", "Khối thi đua các đơn vị sự nghiệp huyện Bạch Long Vĩ"
YEAR = 2024
UNIT = "Trung tâm Văn hóa – Thông tin và Thể thao huyện Bạch Long Vĩ"
OFFICER, HEAD, HEAD_NAME = "ttvhtt-blv.officer", "ttvhtt-blv.head", "Trịnh Thu Yến"
#: What the unit gives itself, as an officer types it (a decimal comma is accepted). II.2 comes
#: from the city's CCHC index and the penalties (TR.*) from the province's lists: not typed.
POINTS = {
    "I.1": "10",
    "I.2": "8",
    "I.3": "8",
    "I.4": "5",
    "I.5": "6",
    "I.6": "6",
    "I.7": "6",
    "II.1": "6",
    "II.3": "5,5",
    "II.4": "5",
    "II.5": "5",
    "III.1": "8",
    "III.2": "6",
    "III.3": "6",
    "T.1": "2",
    "T.2": "2",
}
TOTAL = "94,50"  # 90.5 for the criteria, 4 bonus points
NOTE = "Theo báo cáo tổng kết năm 2024 của đơn vị."
EVIDENCE_REQUIRED = ["I.1", "I.2", "I.3", "III.1", "T.1"]
EVIDENCE = b"%PDF-1.4\n% Bao cao tong ket nam 2024 (minh chung)\n%%EOF\n"
STEP_WAIT_MS = 15_000  # an inbox task's address leads to its step (a loaded CI took over 5 s)
RENDER_WAIT_MS = 60_000  # the worker renders the sheet's PDF within seconds; bounded anyway


def component(page, code):
    """The row of a component in the sheet's table."""
    return page.locator(f"[data-testid=sheet-table] tr[data-criterion='{code}']")


def points_of(page, code):
    return component(page, code).locator("input[name^=points-]")


def signers_of(pdf: bytes) -> list[str]:
    return [
        signature.signer_cert.subject.human_friendly
        for signature in PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    ]


def test_an_officer_fills_and_the_head_signs_the_self_assessment(
    browser, live_server_url, screenshot
):
    officer = new_page(browser)
    sign_in(officer, live_server_url, OFFICER)
    officer.wait_for_url("**/workflow/inbox/")
    # The leader unit's officer drafts the bloc's criteria set from the template, from the
    # bloc's page, then opens the scoring.
    officer.goto(f"{live_server_url}/thidua/blocs/")
    officer.get_by_role("link", name=BLOC_NAME).click()
    officer.locator(f"[data-testid=term-{YEAR}] [data-testid=criteria-link]").click()
    officer.get_by_role("button", name="Bắt đầu từ mẫu 3 × 15").click()
    expect(officer.locator("[data-testid=criteria-total]")).to_have_text("100")
    officer.goto(f"{live_server_url}/thidua/scorings/")
    officer.get_by_label("Khối và năm").select_option(label=f"{BLOC_NAME}, năm {YEAR}")
    officer.get_by_role("button", name="Mở chấm điểm").click()
    officer.wait_for_url(re.compile(r".*/thidua/scorings/\d+/$"))
    scoring_url = officer.url
    own_sheet = officer.locator("[data-testid=sheets] tr", has_text=UNIT)
    expect(own_sheet).to_contain_text("Đang tự chấm")

    # The officer's task: every typed component, one over its maximum first.
    officer.goto(f"{live_server_url}/workflow/inbox/")
    task_row = officer.locator("tr[data-row-id]", has_text="Tự chấm điểm thi đua")
    expect(task_row).to_have_count(1)
    task_row.get_by_role("link").first.click()
    officer.wait_for_url("**/self_score/*/execute/", timeout=STEP_WAIT_MS)
    expect(officer.locator("[data-testid=step]")).to_contain_text(UNIT)
    expect(points_of(officer, "II.2")).to_be_disabled()
    for code, points in POINTS.items():
        points_of(officer, code).fill("12" if code == "I.1" else points)
        component(officer, code).locator("input[name^=note-]").fill(NOTE)
    officer.get_by_role("button", name="Lưu dự thảo").click()
    refused = officer.locator("[data-testid=sheet-form] .thidua-errors")
    expect(refused).to_have_text("I.1: 12 điểm vượt mức tối đa của tiêu chí là 10.")
    expect(officer.locator("[data-testid=total]")).to_have_text("0")  # nothing was saved
    expect(points_of(officer, "I.2")).to_have_value("8")  # what he typed is still there
    points_of(officer, "I.1").fill(POINTS["I.1"])
    officer.get_by_role("button", name="Lưu dự thảo").click()
    expect(officer.get_by_text("Đã lưu bảng điểm.")).to_be_visible()
    expect(officer.locator("[data-testid=sheet-form] .thidua-errors")).to_have_count(0)
    expect(officer.locator("[data-testid=total]")).to_have_text(TOTAL)
    expect(points_of(officer, "II.3")).to_have_value("5.5")
    expect(component(officer, "III.3").locator("input[name^=note-]")).to_have_value(NOTE)

    # The evidence, from the form under the table, for each component that requires it.
    required = officer.locator("[data-testid=sheet-table] tr[data-criterion]:has(.thidua-required)")
    assert required.evaluate_all("rows => rows.map((row) => row.dataset.criterion)") == (
        EVIDENCE_REQUIRED
    )
    evidence = officer.locator("[data-testid=evidence-form]")
    for code in EVIDENCE_REQUIRED:
        name = f"Báo cáo tổng kết năm 2024 – {code}"
        option = evidence.locator("option", has_text=re.compile(rf"^{re.escape(code)}\. "))
        evidence.get_by_label("tiêu chí thành phần").select_option(option.get_attribute("value"))
        evidence.get_by_label("tên minh chứng").fill(name)
        evidence.get_by_label(re.compile("^tệp", re.IGNORECASE)).set_input_files(
            {"name": "bao-cao-tong-ket.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE}
        )
        evidence.get_by_role("button", name="Đính kèm").click()
        expect(component(officer, code).get_by_role("link")).to_have_text(name)
    officer.reload()  # as he finds his sheet again: the points, notes and files are kept
    expect(officer.locator("[data-testid=total]")).to_have_text(TOTAL)
    expect(component(officer, "I.1").get_by_role("link")).to_be_visible()
    officer.mouse.move(0, 0)  # no row highlighted under the pointer in the picture
    screenshot(officer, "scoring-sheet")
    officer.get_by_role("button", name="Trình người đứng đầu ký").click()
    # On to the scoring page. (Not its notice: the step's live refresh, told the task is done,
    # moves on to the same page itself and may swallow it on a slow server.)
    officer.wait_for_url(scoring_url)
    expect(own_sheet).to_contain_text("Đã trình người đứng đầu ký")

    # The head's task: the sheet, then its PDF once rendered, then his signature.
    head = new_page(browser)
    sign_in(head, live_server_url, HEAD)
    head.wait_for_url("**/workflow/inbox/")
    sign_row = head.locator("tr[data-row-id]", has_text="Ký bảng tự chấm điểm")
    expect(sign_row).to_have_count(1)
    sign_row.get_by_role("link").first.click()
    head.wait_for_url("**/sign_sheet/*/execute/", timeout=STEP_WAIT_MS)
    expect(component(head, "I.1")).to_contain_text(NOTE)
    expect(component(head, "III.1").get_by_role("link")).to_have_text(
        "Báo cáo tổng kết năm 2024 – III.1"
    )
    expect(head.locator("[data-testid=total]")).to_have_text(TOTAL)
    pdf_link = head.get_by_role("link", name="Mở bản PDF cần ký")
    expect(pdf_link).to_be_visible(timeout=RENDER_WAIT_MS)
    pdf = head.request.get(f"{live_server_url}{pdf_link.get_attribute('href')}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert signers_of(pdf.body()) == []
    screenshot(head, "scoring-sign")
    head.locator("input[name=pin]").fill(DEMO_PIN)
    head.get_by_role("button", name="Ký", exact=True).click()
    # The step waits for the signature, then moves on to the scoring, the sheet signed.
    # The URL, not a navigation's "load": the live refresh moves the step on by itself.
    expect(head).to_have_url(scoring_url, timeout=SIGNING_WAIT_MS)
    signed = head.locator("[data-testid=sheets] tr", has_text=UNIT)
    expect(signed).to_contain_text("Người đứng đầu đã ký")
    expect(signed).to_contain_text(TOTAL)
    screenshot(head, "scoring")

    # The sheet's own page offers the signed PDF: his signature is in it.
    signed.get_by_role("link", name=UNIT).click()
    expect(head.locator("[data-testid=sheet-status]")).to_have_text("Người đứng đầu đã ký")
    signed_pdf = head.get_by_role("link", name="Bảng điểm đã ký (PDF)")
    content = head.request.get(f"{live_server_url}{signed_pdf.get_attribute('href')}").body()
    [signer] = signers_of(content)
    assert HEAD_NAME in signer
    head.goto(f"{live_server_url}/workflow/inbox/")
    expect(head.locator("tr[data-row-id]", has_text="Ký bảng tự chấm điểm")).to_have_count(0)
