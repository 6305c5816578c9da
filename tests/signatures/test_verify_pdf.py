"""``manage.py verify_pdf``: report, JSON, exit statuses 0, 1 and 2, never a traceback."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import gettext

from signatures import validation
from tests.signatures.samples import pdfs

ROOT = Path(__file__).resolve().parents[2]
UNTRUSTED = "Chứng thư số của người ký không dẫn tới chứng thư gốc tin cậy."
NO_SIGNATURE = "Tệp không có chữ ký số nào."


@pytest.fixture(autouse=True)
def trusted_roots(dev_pki):
    return dev_pki


@pytest.fixture
def write(tmp_path):
    def write(content: bytes, name: str = "tep.pdf") -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return write


def verify(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_pdf", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


def test_a_valid_document_exits_0_with_every_fact(dev_pki, write):
    path = write(pdfs.sign_with_dev_pki(dev_pki, "an", certify=True))
    status, out, _err = verify(path)
    assert status == 0
    assert "Nguyễn Văn An" in out
    assert "UBND huyện Vĩnh Bảo" in out
    for label in ["Signer", "Unit", "Certificate issuer", "Signed revision", "Coverage"]:
        assert gettext(label) in out
    assert (
        gettext("Verdict: %(headline)s") % {"headline": gettext("All signatures are valid")} in out
    )


def test_a_document_signed_elsewhere_exits_1_naming_the_untrusted_root(write):
    status, out, err = verify(write(pdfs.signed_elsewhere_pdf()))
    assert status == 1
    assert out.count(UNTRUSTED) == 2  # both signatures
    assert pdfs.SIGNER_NAME in out
    assert err == gettext("The signatures of this document are not all valid")


def test_a_document_without_signature_exits_1(write):
    status, out, _err = verify(write(pdfs.unsigned_pdf()))
    assert (status, NO_SIGNATURE in out) == (1, True)


def test_a_hybrid_reference_file_is_read_and_exits_1(write):
    status, out, _err = verify(write(pdfs.hybrid_xref_pdf()))
    assert (status, NO_SIGNATURE in out) == (1, True)


def test_a_report_whose_document_cannot_be_copied_is_printed(write):
    content = pdfs.regression_samples()["regression-unparsable-xmp.pdf"]
    status, out, _err = verify(write(content), "--json")
    assert status == 1
    assert [s["modification"] for s in json.loads(out)["signatures"]] == ["other", "none"]


def test_json_is_the_report_in_utf8(write):
    content = pdfs.signed_elsewhere_pdf()
    status, out, _err = verify(write(content), "--json")
    assert status == 1
    assert json.loads(out) == validation.validate_pdf(content).as_dict()
    assert pdfs.SIGNER_NAME in out  # ensure_ascii=False: no \u escapes


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty."),
        (pdfs.png_image(), "The file is not a PDF document: it is %(kind)s."),
        (b"Bien ban\n", "The file is not a PDF document: it is a text file."),
    ],
    ids=["empty", "png", "text"],
)
def test_what_is_not_a_pdf_exits_2(write, content, expected):
    status, out, err = verify(write(content), "--json")
    assert (status, err) == (2, gettext("The file could not be checked"))
    [problem] = json.loads(out)["problems"]
    assert problem == gettext(expected) % {"kind": gettext("a PNG image")}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (pdfs.signed_elsewhere_pdf()[:13000], "Tệp PDF bị hỏng hoặc không đọc được"),
        (pdfs.encrypted_pdf(), "Tệp PDF được mã hóa: không kiểm tra được chữ ký."),
        (pdfs.decompression_bomb_pdf(layers=2), "Tệp PDF chứa dữ liệu nén bất thường"),
    ],
    ids=["truncated", "encrypted", "bomb"],
)
def test_a_pdf_that_cannot_be_opened_exits_2(write, content, expected):
    status, out, _err = verify(write(content))
    assert status == 2
    assert expected in out


def test_an_oversized_file_exits_2_without_being_read(write, settings):
    settings.SIGNING_PDF_MAX_BYTES = 1024
    status, out, _err = verify(write(b"%PDF-1.7\n" + bytes(4096)))
    assert status == 2
    assert (
        gettext("The file is too large: %(size)s, at most %(limit)s are accepted.")
        % {
            "size": "4,0\xa0KB",
            "limit": "1,0\xa0KB",
        }
        in out
    )


def test_a_missing_file_or_a_folder_exits_2(tmp_path):
    status, out, _err = verify(tmp_path / "khong-co.pdf")
    assert status == 2
    assert gettext("The file %(path)s does not exist.") % {"path": tmp_path / "khong-co.pdf"} in out
    status, out, _err = verify(tmp_path)
    assert (status, gettext("%(path)s is a folder, not a file.") % {"path": tmp_path} in out) == (
        2,
        True,
    )


def test_an_unreadable_file_exits_2(write, monkeypatch):
    path = write(pdfs.unsigned_pdf())

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    # chmod would not do: the tests may run as root, who reads everything.
    monkeypatch.setattr(Path, "open", denied)
    status, out, _err = verify(path)
    assert status == 2
    assert gettext("The file %(path)s cannot be read: permission denied.") % {"path": path} in out


def test_unreadable_trust_roots_exit_2_with_the_reason(write, settings, tmp_path):
    settings.SIGNING_TRUST_ROOTS = [str(tmp_path / "missing-root.pem")]
    status, out, _err = verify(write(pdfs.signed_elsewhere_pdf()))
    assert status == 2
    assert "missing-root.pem" in out


# -- as the operator runs it: a process, its exit status and its streams ------------------------


def run(*args, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "manage.py", "verify_pdf", *map(str, args)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=120,
    )


def test_the_process_exits_0_1_and_2_without_traceback(dev_pki, write):
    roots = {"SIGNING_TRUST_ROOTS": str(dev_pki.root_path), "LANG": "C", "LC_ALL": "C"}
    valid = write(pdfs.sign_with_dev_pki(dev_pki, "cuong"), "valid.pdf")
    elsewhere = write(pdfs.signed_elsewhere_pdf(), "elsewhere.pdf")
    truncated = write(pdfs.signed_elsewhere_pdf()[:9000], "truncated.pdf")
    results = {
        "valid": run(valid, **roots),
        "elsewhere": run(elsewhere, "--json", **roots),
        "truncated": run(truncated, **roots),
    }
    assert {name: result.returncode for name, result in results.items()} == {
        "valid": 0,
        "elsewhere": 1,
        "truncated": 2,
    }
    for result in results.values():
        assert b"Traceback" not in result.stderr + result.stdout
    # UTF-8 even under LANG=C, where Vietnamese would not encode.
    assert "Lê Văn Cường".encode() in results["valid"].stdout
    assert json.loads(results["elsewhere"].stdout.decode("utf-8"))["ok"] is False
