"""A head who signs with his own signing tool (a USB token, SmartCA…), in a real browser: he
registers the tool's certificate and sees it checked without reloading, then signs the covenant in
two steps, the digest appearing on his step once the server has prepared the document."""

import asyncio
import base64
import concurrent.futures
import re

import pytest
from playwright.sync_api import expect
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tests.e2e.pages import new_page
from tests.e2e.test_covenant import SIGNING_WAIT_MS
from tests.e2e.test_login_and_inbox import sign_in

pytestmark = pytest.mark.e2e

HEAD = "bach-long-vi.head"  # a member of the Hải Phòng cụm who has not signed its covenant
CHECK_WAIT_MS = 15_000  # the in-process worker asks the OCSP responder within a second or two


def signing_tool(pki, digest_hex: str) -> str:
    """What the head's own tool returns for the digest: a CMS made with his key, in base64."""
    signer = signers.SimpleSigner(
        signing_cert=load_cert_from_pemder(str(pki / "certs" / f"{HEAD}.cert.pem")),
        signing_key=load_private_key_from_pemder(str(pki / "keys" / f"{HEAD}.key.pem"), None),
        cert_registry=SimpleCertificateStore.from_certs(
            [load_cert_from_pemder(str(pki / "intermediate.cert.pem"))]
        ),
    )

    def sign():
        return asyncio.run(signer.async_sign(bytes.fromhex(digest_hex), "sha256", use_pades=True))

    # Playwright's event loop runs in this thread: the tool signs in another.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return base64.b64encode(pool.submit(sign).result().dump()).decode()


def test_a_head_signs_with_his_own_signing_tool(
    browser, live_server_url, live_server_var_dir, screenshot
):
    pki = live_server_var_dir / "pki"
    page = new_page(browser)
    sign_in(page, live_server_url, HEAD)
    page.wait_for_url("**/workflow/inbox/")
    page.goto(f"{live_server_url}/thidua/credentials/")
    # His keystore holds the same certificate: withdrawn, it can be his tool's.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action*=withdraw] button").click()
    external = page.locator("form[enctype]").nth(1)
    external.locator("input[type=file]").nth(0).set_input_files(pki / "certs" / f"{HEAD}.cert.pem")
    external.locator("input[type=file]").nth(1).set_input_files(pki / "intermediate.cert.pem")
    external.locator("input[type=text]").fill("USB token")
    external.locator("button[type=submit]").click()
    credential = page.locator("tr", has_text="USB token")
    expect(credential).to_be_visible()
    # "Đang kiểm tra" until the worker has asked the OCSP responder, which may be done
    # before the page is drawn: only the end is certain, and it comes without a reload.
    page.evaluate("window.__sameDocument = true")
    expect(credential).to_contain_text("Dùng được", timeout=CHECK_WAIT_MS)
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "credentials")

    page.goto(f"{live_server_url}/workflow/inbox/")
    page.locator("tr[data-row-id]", has_text="Ký giao ước").get_by_role("link").first.click()
    page.wait_for_url("**/sign/*/execute/")
    choices = page.locator("select[name=credential] option").all_text_contents()
    tool = next(choice for choice in choices if "hai bước" in choice)  # "two-step"
    page.locator("select[name=credential]").select_option(label=tool)
    page.locator("button[name=sign]").click()
    digest = page.locator("[data-testid=digest-hex]")
    expect(digest).to_have_text(re.compile("^[0-9a-f]{64}$"), timeout=SIGNING_WAIT_MS)
    expect(page.locator("[data-testid=signing-status]")).to_contain_text("Đang chờ người ký")
    screenshot(page, "external-signing")

    page.locator("textarea[name=signature_text]").fill(signing_tool(pki, digest.inner_text()))
    page.locator("button[name=complete]").click()
    # The URL, not a navigation's "load": a live refresh may start the next navigation
    # before the step's own has loaded (Chromium then reports the first as aborted).
    expect(page).to_have_url(re.compile(r".*/thidua/covenants/\d+/$"), timeout=SIGNING_WAIT_MS)
    own = page.locator("[data-testid=signing] tr", has_text="UBND huyện Bạch Long Vĩ")
    expect(own).not_to_contain_text("chưa ký")
