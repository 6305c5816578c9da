"""What the signing benchmarks share: the development PKI served on 127.0.0.1, the documents,
and the two ways of signing that are compared.

- ``sign_ours``: the project's path, ``providers.open_signer`` on a PKCS#12 credential (the
  sealed keystore is opened with the PIN at every signature) and ``pades.sign`` (the stamp
  font shared by the document, /Contents sized from the signer's last CMS);
- ``sign_baseline``: plain pyHanko as its documentation shows it, the key loaded from the
  PKCS#12 file at every call, a TrueType stamp (``GlyphAccumulatorFactory``) with the same
  Vietnamese font and text, and /Contents estimated by pyHanko (a trial signature and, with a
  TSA, a trial timestamp).

Import this module only after ``django.setup()``.
"""

import asyncio
import contextlib
import hashlib
import io
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from django.utils import timezone
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.stamp import TextStampStyle

from signatures import (
    fonts,
    pades,
    preparation,
    providers,
    rendering,
    stamps,
    tokenizer,
    trust,
    validation,
)
from signatures.keystores import seal
from signatures.models import Credential, Provider, SigningLevel
from signatures.pki import DEMO_PIN, DevPki, OfficialIdentity
from tests.fixtures.pki import TWENTY_OFFICIALS, dev_pki_served, responders_server

__all__ = ["TWENTY_OFFICIALS"]

REASON = "Bản giao ước thi đua năm 2026"
_PARAGRAPH = (
    "Các đơn vị thành viên thống nhất ký kết giao ước thi đua năm 2026, đẩy mạnh cải cách hành "
    "chính, chuyển đổi số, thực hành tiết kiệm, chống lãng phí và chăm lo đời sống của cán bộ, "
    "công chức, viên chức và người lao động."
)
# Eight paragraphs: with four signature blocks the document takes two A4 pages, the blocks on
# the second (with twenty blocks, three pages).
_CONTEXT = {
    "parent_body": "UBND THÀNH PHỐ HẢI PHÒNG",
    "issuing_body": "KHỐI THI ĐUA CÁC QUẬN, HUYỆN",
    "symbol": "GƯ-KTĐ",
    "place": "Hải Phòng",
    "year": 2026,
    "document_type": "BẢN GIAO ƯỚC THI ĐUA NĂM 2026",
    "summary": "",
    "basis": ["Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15;"],
    "paragraphs": [_PARAGRAPH] * 8,
    "recipients": ["Các đơn vị thành viên", "Lưu: VT"],
}
TEMPLATE = "signatures/nd30/generic.html"


# -- the development PKI ------------------------------------------------------------------------


@contextlib.contextmanager
def dev_pki(directory: Path, officials: Sequence[OfficialIdentity]) -> Iterator[DevPki]:
    """Build a PKI in ``directory`` and serve its responders and TSA on 127.0.0.1, the settings
    pointing at it while the block runs (as the ``dev_pki`` fixture of tests/fixtures/pki.py)."""
    with responders_server() as responders, dev_pki_served(directory, responders, officials) as pki:
        yield pki


@dataclass(frozen=True)
class Official:
    identity: OfficialIdentity
    credential: Credential  # unsaved: only what providers.open_signer reads
    pkcs12_path: Path  # the same keystore as a file, for pyHanko's own loader

    @property
    def reservation_key(self) -> str:
        return self.credential.fingerprint


def officials(pki: DevPki, identities: Sequence[OfficialIdentity], directory: Path):
    """A PKCS#12 credential (sealed as the site stores it) and .p12 file per identity."""
    directory.mkdir(parents=True, exist_ok=True)
    result = []
    for identity in identities:
        certificate = pki.certificate_for(identity.username).dump()
        keystore = pki.pkcs12_for(identity.username)
        path = directory / f"{identity.username}.p12"
        path.write_bytes(keystore)
        credential = Credential(
            provider=Provider.PKCS12,
            certificate=certificate,
            chain=pki.chain_pem().decode(),
            keystore=seal(keystore),
            fingerprint=hashlib.sha256(certificate).hexdigest(),
        )
        result.append(Official(identity=identity, credential=credential, pkcs12_path=path))
    return result


# -- documents ----------------------------------------------------------------------------------


def field_name(position: int) -> str:
    return f"Sig{position:02d}"


def render(identities: Sequence[OfficialIdentity]) -> rendering.RenderedPdf:
    blocks = [
        rendering.SignatureBlock(
            name=field_name(position),
            authority="",
            title=identity.title.upper(),
            signer_name=identity.full_name,
        )
        for position, identity in enumerate(identities, start=1)
    ]
    return rendering.render_pdf(
        TEMPLATE, _CONTEXT, signature_blocks=blocks, text_fields=("number", "date")
    )


def prepare(rendered: rendering.RenderedPdf) -> bytes:
    """The document as signed: its fields added and the stamp font embedded once."""
    return preparation.add_fields(rendered.content, list(rendered.fields))


def prepare_without_font(rendered: rendering.RenderedPdf) -> bytes:
    """The same update without the shared font, to measure what embedding it once costs."""
    with mock.patch.object(stamps, "embed_stamp_font"):
        return preparation.add_fields(rendered.content, list(rendered.fields))


def stamp_font_file(directory: Path) -> Path:
    """The baseline's stamp font: the installed Liberation Serif rescaled once to 1000 upem.

    That is what a first implementation does (and what the research measured): pyHanko then
    subsets this whole font in every signature. Ours ships a pre-made Vietnamese subset.
    """
    path = directory / "stamp-font.ttf"
    font = TTFont(fonts.document_font_paths().regular)
    scale_upem(font, 1000)
    font.save(str(path))
    return path


# -- signing ------------------------------------------------------------------------------------


def spec_for(official: Official, position: int, level: str, *, certify: bool = False):
    identity = official.identity
    return pades.SignatureSpec(
        field_name=field_name(position),
        stamp_text=stamps.stamp_lines(
            signer=identity.full_name,
            title=identity.title,
            unit=identity.unit,
            moment=timezone.now(),
        ),
        level=level,
        certify=certify,
        reason=REASON,
    )


def sign_ours(pdf: bytes, official: Official, spec: pades.SignatureSpec) -> bytes:
    """One signature as ``signatures.services.signing`` makes it (its certificate check apart)."""
    credential = official.credential

    async def sign_now():
        async with providers.open_signer(credential, DEMO_PIN) as signer:
            return await pades.sign(pdf, signer, spec, reservation_key=official.reservation_key)

    return asyncio.run(sign_now())


def open_signer(official: Official):
    """The signer ``sign_ours`` opens, kept open (for the breakdown of a signature only)."""

    async def open_now():
        async with providers.open_signer(official.credential, DEMO_PIN) as signer:
            return signer

    return asyncio.run(open_now())


def sign_with_open_signer(pdf: bytes, signer, official: Official, spec) -> bytes:
    return asyncio.run(pades.sign(pdf, signer, spec, reservation_key=official.reservation_key))


def sign_without_sizing(pdf: bytes, signer, official: Official, spec) -> bytes:
    """``pades.sign`` less its sizing of the next /Contents: what pyHanko itself costs."""
    with mock.patch.object(pades, "_remember_reservation"):
        return sign_with_open_signer(pdf, signer, official, spec)


def remember_reservation(signed: bytes) -> None:
    """What ``pades.sign`` does after signing to size the signer's next /Contents."""
    pades._remember_reservation(signed, ("benchmark", False))


def forget_reserved_sizes() -> None:
    """Back to a fresh process: no signer's CMS size remembered (pyHanko estimates again)."""
    pades._reserved_sizes.clear()


def load_baseline_signer(official: Official):
    return signers.SimpleSigner.load_pkcs12(str(official.pkcs12_path), passphrase=DEMO_PIN.encode())


def sign_baseline(
    pdf: bytes, official: Official, spec: pades.SignatureSpec, *, font_file: Path, tsa_url: str
) -> bytes:
    """One signature with plain pyHanko: what a first implementation would write."""
    signer = load_baseline_signer(official)
    timestamper = None if spec.level == SigningLevel.B_B else timestamps.HTTPTimeStamper(tsa_url)
    style = TextStampStyle(
        stamp_text="%(lines)s",
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(font_file), font_size=stamps.STAMP_FONT_SIZE),
            font_size=stamps.STAMP_FONT_SIZE,
            leading=stamps.STAMP_LEADING,
        ),
        border_width=1,
        border_color=stamps.PERSONAL_COLOUR,
        background_opacity=0,
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=spec.field_name,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=spec.reason or None,
        certify=spec.certify,
        docmdp_permissions=MDPPerm.FILL_FORMS,
    )
    output = io.BytesIO()
    with pyhanko_tokenizer():
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        signers.PdfSigner(metadata, signer, timestamper=timestamper, stamp_style=style).sign_pdf(
            writer,
            existing_fields_only=True,
            output=output,
            appearance_text_params={"lines": spec.stamp_text},
        )
    return output.getvalue()


@contextlib.contextmanager
def pyhanko_tokenizer():
    """pyHanko's own tokenizer instead of ours (``signatures.tokenizer``), as the baseline has."""
    tokenizer.uninstall()
    try:
        yield
    finally:
        tokenizer.install()


Signer = Callable[[bytes, Official, pades.SignatureSpec], bytes]


@dataclass
class Sequence20:
    """Every official signing his field in turn; the first signature certifies."""

    content: bytes
    seconds: list[float]  # per signature
    growth: list[int]  # bytes added by each signature

    @property
    def total(self) -> float:
        return sum(self.seconds)


def sign_in_turn(pdf: bytes, team: Sequence[Official], level: str, sign: Signer) -> Sequence20:
    seconds, growth = [], []
    for position, official in enumerate(team, start=1):
        spec = spec_for(official, position, level, certify=position == 1)
        start = time.perf_counter()
        signed = sign(pdf, official, spec)
        seconds.append(time.perf_counter() - start)
        growth.append(len(signed) - len(pdf))
        pdf = signed
    return Sequence20(content=pdf, seconds=seconds, growth=growth)


def validate(content: bytes) -> validation.ValidationReport:
    return validation.validate_pdf(content, fetch=False)


def validate_with_pyhanko_tokenizer(content: bytes) -> validation.ValidationReport:
    with pyhanko_tokenizer():
        return validate(content)


def validate_with_the_collector_running(content: bytes) -> validation.ValidationReport:
    """``validate`` without its pause of Python's cycle collector."""
    with mock.patch.object(validation, "cycle_collector_paused", contextlib.nullcontext):
        return validate(content)


def read_signatures(content: bytes) -> list:
    """What ``validate_pdf`` does first: open the PDF and collect its signatures."""
    return PdfFileReader(io.BytesIO(content), strict=False).embedded_signatures


def validate_without_diff(content: bytes) -> None:
    """``validate_pdf`` less pyHanko's difference analysis: integrity, CMS, chains."""
    signatures = read_signatures(content)

    async def check_all():
        context = trust.validation_context(fetch=False, revocation_mode="soft-fail")
        for embedded in signatures:
            await async_validate_pdf_signature(embedded, context, skip_diff=True)

    asyncio.run(check_all())


def cms_sizes(content: bytes) -> list[int]:
    """The DER size of every signature's CMS SignedData in ``content``."""
    reader = PdfFileReader(io.BytesIO(content))
    return [len(embedded.signed_data.dump()) for embedded in reader.embedded_signatures]


# -- statistics ---------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: list[float]

    @property
    def n(self) -> int:
        return len(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)


def timed(function: Callable, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result
