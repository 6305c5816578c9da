"""Unusual and hostile PDF files for the validation tests, built by code.

Most files are built at test time (they are tiny, or cheap to make). Two kinds are kept as
files in this folder:

- ``signed-elsewhere.pdf``: a small PDF with two timestamped signatures (the first certifies),
  made with a certificate chain of our own that no trusted root knows. It is the seed of the
  fuzz tests, so it is committed: the same bytes give the same mutations on every machine.
  ``python -m tests.signatures.samples.pdfs`` makes it again (new keys, new bytes).
- ``regression-*.pdf``: inputs found by fuzzing that made the validation raise, rebuilt small
  by :func:`make_regression_samples` (``python -m tests.signatures.samples.pdfs regression``
  writes them alone, keeping the seed).
"""

import asyncio
import datetime
import io
import re
import struct
import zlib
from pathlib import Path

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DIRECTORY = Path(__file__).resolve().parent
SIGNED_ELSEWHERE = DIRECTORY / "signed-elsewhere.pdf"
SIGNER_NAME = "Ngô Văn Lạ"
SIGNER_UNIT = "Công ty Chữ ký Ngoài (TEST)"

_HEADER = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
_PAGES = b"<</Type/Pages/Kids[3 0 R]/Count 1>>"
_PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"
_CATALOG = b"<</Type/Catalog/Pages 2 0 R>>"


# -- hand-made files --------------------------------------------------------------------------


def _obj(number: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % number + body + b"\nendobj\n"


def _stream(number: int, dictionary: bytes, data: bytes) -> bytes:
    head = b"<<%s/Length %d>>\nstream\n" % (dictionary, len(data))
    return _obj(number, head + data + b"\nendstream")


def _xref_entry(kind: int, field2: int, field3: int) -> bytes:
    return struct.pack(">BIH", kind, field2, field3)  # /W [1 4 2]


def png_image() -> bytes:
    """A valid 1×1 PNG: what an official might pick instead of the PDF."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def unsigned_pdf() -> bytes:
    """A one-page PDF with a classic cross-reference table and no signature."""
    out = bytearray(_HEADER)
    offsets = []
    for number, body in enumerate([_CATALOG, _PAGES, _PAGE], start=1):
        offsets.append(len(out))
        out += _obj(number, body)
    xref_at = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def hybrid_xref_pdf() -> bytes:
    """A hybrid-reference file as Word and Office write them (PDF 1.5, section 7.5.8.4).

    The catalog lives in an object stream. The classic table lists it as free, as Word does,
    and the trailer's /XRefStm points at a cross-reference stream that says where it really
    is: a reader that ignores /XRefStm finds no catalog at all.
    """
    out = bytearray(_HEADER)
    offsets = {}
    for number, body in [(2, _PAGES), (3, _PAGE)]:
        offsets[number] = len(out)
        out += _obj(number, body)
    header = b"1 0 "
    offsets[4] = len(out)
    out += _stream(
        4,
        b"/Type/ObjStm/N 1/First %d/Filter/FlateDecode" % len(header),
        zlib.compress(header + _CATALOG),
    )
    offsets[5] = len(out)
    out += _stream(5, b"/Type/XRef/Size 6/W[1 4 2]/Index[1 1]", _xref_entry(2, 4, 0))
    # Object 1 (the catalog) is listed as free in the classic table.
    return _with_hybrid_table(out, offsets, listed=6, size=6, xref_stream=5)


def _with_hybrid_table(
    out: bytearray, offsets: dict, *, listed: int, size: int, xref_stream: int
) -> bytes:
    """``out`` closed by a classic table of objects 0..listed-1 (those missing from ``offsets``
    listed as free) whose trailer names the cross-reference stream ``xref_stream``; objects
    from ``listed`` to ``size`` - 1 are in that stream only."""
    xref_at = len(out)
    out += b"xref\n0 %d\n" % listed
    out += b"".join(
        b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        for number in range(listed)
    )
    out += b"trailer\n<</Size %d/Root 1 0 R/XRefStm %d>>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        offsets[xref_stream],
        xref_at,
    )
    return bytes(out)


#: The text on the page of ``word_export_pdf``, line by line.
WORD_TEXT_LINES = ("Bien ban hop Khoi thi dua", "So: 12/BB-KTD")


def word_export_pdf() -> bytes:
    """A hybrid-reference file laid out as Word writes them, readable by every reader.

    What a page needs (catalog, pages, content, font) is in the classic table; the structure
    tree (tagging) lives in an object stream that only the cross-reference stream named by
    /XRefStm lists, past the end of the table. A PDF 1.4 reader skips the tags and still
    shows the page, which reads ``WORD_TEXT_LINES``.
    """
    lines = b" 0 -20 Td ".join(b"(%s) Tj" % line.encode() for line in WORD_TEXT_LINES)
    catalog = b"<</Type/Catalog/Pages 2 0 R/StructTreeRoot 8 0 R/MarkInfo<</Marked true>>>>"
    page = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 6 0 R"
    page += b"/Resources<</Font<</F1 7 0 R>>>>/StructParents 0>>"
    tags = [
        b"<</Type/StructTreeRoot/K 9 0 R>>",
        b"<</Type/StructElem/S/P/P 8 0 R/Pg 3 0 R/K 0>>",
    ]
    out = bytearray(_HEADER)
    offsets = {}
    for number, body in [(1, catalog), (2, _PAGES), (3, page)]:
        offsets[number] = len(out)
        out += _obj(number, body)
    header = b"8 0 9 %d " % (len(tags[0]) + 1)
    offsets[4] = len(out)
    out += _stream(
        4,
        b"/Type/ObjStm/N 2/First %d/Filter/FlateDecode" % len(header),
        zlib.compress(header + b" ".join(tags)),
    )
    offsets[5] = len(out)
    entries = _xref_entry(2, 4, 0) + _xref_entry(2, 4, 1)
    out += _stream(5, b"/Type/XRef/Size 10/W[1 4 2]/Index[8 2]", entries)
    offsets[6] = len(out)
    content = b"/P<</MCID 0>>BDC BT /F1 14 Tf 72 760 Td " + lines + b" ET EMC"
    out += _stream(6, b"", content)
    offsets[7] = len(out)
    out += _obj(7, b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>")
    return _with_hybrid_table(out, offsets, listed=8, size=10, xref_stream=5)


def misindexed_object_stream_pdf() -> bytes:
    """A PDF whose cross-reference stream swaps the places of two objects in an object stream.

    pyHanko's strict reader refuses the catalog ("Object is in wrong index"); a lenient reader
    finds both objects by their numbers. No hybrid section: damage only a rewrite cures.
    """
    out = bytearray(_HEADER)
    offsets = {}
    for number, body in [(2, _PAGES), (3, _PAGE)]:
        offsets[number] = len(out)
        out += _obj(number, body)
    other = b"<</Type/Example>>"
    header = b"1 0 6 %d " % (len(_CATALOG) + 1)
    offsets[4] = len(out)
    out += _stream(
        4,
        b"/Type/ObjStm/N 2/First %d/Filter/FlateDecode" % len(header),
        zlib.compress(header + _CATALOG + b" " + other),
    )
    offsets[5] = len(out)
    entries = _xref_entry(0, 0, 65535) + _xref_entry(2, 4, 1)  # the catalog is at index 0
    entries += b"".join(_xref_entry(1, offsets[number], 0) for number in (2, 3, 4, 5))
    entries += _xref_entry(2, 4, 0)  # and object 6 at index 1
    out += _stream(5, b"/Type/XRef/Size 7/W[1 4 2]/Root 1 0 R", entries)
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[5]
    return bytes(out)


def _deflated_zeros(prefix: bytes, size: int, chunk: int = 1 << 20) -> bytes:
    # Compressed piece by piece: the 300 MB never exist in memory.
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(prefix)]
    zeros = bytes(chunk)
    parts.extend(compressor.compress(zeros) for _ in range(size // chunk))
    parts.append(compressor.flush())
    return b"".join(parts)


def decompression_bomb_pdf(decoded_size: int = 300_000_000, *, layers: int = 1) -> bytes:
    """A PDF whose catalog sits in an object stream that inflates to ``decoded_size`` bytes.

    Any reader must inflate the object stream to find the catalog, so the bomb goes off on
    opening. NUL bytes are white space in PDF: the stream is a valid object stream. One layer
    of Deflate gives ~290 KB (ratio ~1030:1); each further layer shrinks it to ~1 KB.
    """
    header = b"1 0 "
    data = _deflated_zeros(header + _CATALOG, decoded_size)
    filters = [b"/FlateDecode"]
    for _ in range(layers - 1):
        data = zlib.compress(data, 9)
        filters.append(b"/FlateDecode")
    out = bytearray(_HEADER)
    offsets = {}
    for number, body in [(2, _PAGES), (3, _PAGE)]:
        offsets[number] = len(out)
        out += _obj(number, body)
    offsets[4] = len(out)
    out += _stream(
        4, b"/Type/ObjStm/N 1/First %d/Filter[%s]" % (len(header), b"".join(filters)), data
    )
    offsets[5] = len(out)
    entries = _xref_entry(0, 0, 65535) + _xref_entry(2, 4, 0)
    entries += b"".join(_xref_entry(1, offsets[number], 0) for number in (2, 3, 4, 5))
    out += _stream(5, b"/Type/XRef/Size 6/W[1 4 2]/Root 1 0 R", entries)
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[5]
    return bytes(out)


def encrypted_pdf() -> bytes:
    """A one-page PDF encrypted with a user password (RC4/AES, as pyHanko's writer does it)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject(
                    [generic.NumberObject(value) for value in (0, 0, 595, 842)]
                ),
            }
        )
    )
    writer.encrypt("owner-password", "user-password")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# -- a document signed outside our trust ------------------------------------------------------


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(subject, key, issuer, issuer_key, *, ca=False, usage="sign"):
    valid_from = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Valid for a century: the committed sample must not expire under the tests.
        .not_valid_before(valid_from)
        .not_valid_after(valid_from.replace(year=2125))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=not ca,
            content_commitment=usage == "sign",
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=ca,
            crl_sign=ca,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    if usage == "tsa":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    certificate = builder.sign(issuer_key, hashes.SHA256())
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _private_key_info(key):
    from pyhanko.keys import load_private_key_from_pemder_data

    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return load_private_key_from_pemder_data(pem, passphrase=None)


def sign_pdf(
    content: bytes,
    *,
    certificate,
    key,
    chain=(),
    field_name: str = "Sig1",
    certify: bool = False,
    timestamper=None,
    strict: bool = True,
) -> bytes:
    """``content`` with one more PAdES signature (an incremental update), made by pyHanko.

    ``strict=False`` lets pyHanko sign files with hybrid cross-reference sections (Word).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(list(chain)),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=certify,
        docmdp_permissions=MDPPerm.FILL_FORMS,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=strict)
    output = io.BytesIO()
    pdf_signer = signers.PdfSigner(metadata, signer, timestamper=timestamper)
    asyncio.run(pdf_signer.async_sign_pdf(writer, output=output))
    return output.getvalue()


def sign_with_dev_pki(pki, username: str, content: bytes | None = None, **options) -> bytes:
    """Signed by ``username`` of the development PKI (B-B: no timestamp, no network)."""
    from pyhanko.keys import load_private_key_from_pemder

    return sign_pdf(
        content if content is not None else unsigned_pdf(),
        certificate=pki.certificate_for(username),
        key=load_private_key_from_pemder(pki.key_path_for(username), passphrase=None),
        chain=[pki.intermediate],
        **options,
    )


def make_signed_elsewhere_pdf() -> bytes:
    """Two PAdES B-T signatures by a chain of our own (root → signer, root → TSA)."""
    from pyhanko.sign import timestamps

    root_key, signer_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA
    root_name = _name("TEST Foreign Root CA", SIGNER_UNIT)
    root = _certificate(root_name, root_key, root_name, root_key, ca=True)
    signer_cert = _certificate(_name(SIGNER_NAME, SIGNER_UNIT), signer_key, root_name, root_key)
    tsa_cert = _certificate(
        _name("TEST Foreign TSA", SIGNER_UNIT), tsa_key, root_name, root_key, usage="tsa"
    )
    timestamper = timestamps.DummyTimeStamper(
        tsa_cert=tsa_cert, tsa_key=_private_key_info(tsa_key), certs_to_embed=[root]
    )
    content = unsigned_pdf()
    for field_name, certify in [("Sig1", True), ("Sig2", False)]:
        content = sign_pdf(
            content,
            certificate=signer_cert,
            key=_private_key_info(signer_key),
            chain=[root],
            field_name=field_name,
            certify=certify,
            timestamper=timestamper,
        )
    return content


def signed_elsewhere_pdf() -> bytes:
    return SIGNED_ELSEWHERE.read_bytes()


def mismatched_algorithm_pdf() -> bytes:
    """The PDF signed elsewhere, its CMS naming RSA for the signer's EC key (malformed)."""
    content = signed_elsewhere_pdf()
    found = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", content)
    info = cms.ContentInfo.load(bytes.fromhex(found.group(1).decode()).rstrip(b"\0"))
    info["content"]["signer_infos"][0]["signature_algorithm"] = algos.SignedDigestAlgorithm(
        {"algorithm": "sha256_rsa"}
    )
    contents = info.dump(force=True).hex().encode().ljust(len(found.group(1)), b"0")
    return content[: found.start(1)] + contents + content[found.end(1) :]


# -- what fuzzing found: inputs that made validate_pdf raise, rebuilt small ---------------------

# DER of the OIDs edited below, as they appear in the hexadecimal /Contents of a signature.
_SHA256_OID = b"0609608648016503040201"  # 2.16.840.1.101.3.4.2.1
_UNKNOWN_DIGEST_OID = b"060960864801650304027F"  # 2.16.840.1.101.3.4.2.127
_ID_DATA_OID = b"06092A864886F70D010701"  # 1.2.840.113549.1.7.1, the signed content type
_UNKNOWN_CONTENT_OID = b"06092A864886F70D01077F"


_RDF_NAMESPACE = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_BAD_NAMESPACE = b"http:/0   .w3.org/1999/02/22-rdf-syntax-ns#"  # the same length: not a URI


def _replace_last(content: bytes, old: bytes, new: bytes) -> bytes:
    position = content.rindex(old)
    return content[:position] + new + content[position + len(old) :]


def _foreign_signer():
    root_key, signer_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    root_name = _name("TEST Regression Root CA", SIGNER_UNIT)
    root = _certificate(root_name, root_key, root_name, root_key, ca=True)
    certificate = _certificate(_name(SIGNER_NAME, SIGNER_UNIT), signer_key, root_name, root_key)
    return {"certificate": certificate, "key": _private_key_info(signer_key), "chain": [root]}


def _replace_nth(content: bytes, old: bytes, new: bytes, index: int) -> bytes:
    position = -1
    for _ in range(index + 1):
        position = content.index(old, position + 1)
    return content[:position] + new + content[position + len(old) :]


def make_regression_samples() -> dict[str, bytes]:
    """Each input fuzzing found to make validate_pdf raise, as a small file (name → bytes)."""
    unsigned = unsigned_pdf()
    signer = _foreign_signer()
    one = sign_pdf(unsigned, certify=True, **signer)
    two = sign_pdf(one, field_name="Sig2", **signer)
    first_xref = unsigned.index(b"xref\n")
    return {
        # OverflowError in pyHanko's cross-reference reader.
        "regression-startxref-overflow.pdf": (
            b"%PDF-1.7\nstartxref\n26000000000000000097\n%%EOF\n"
        ),
        # decimal.InvalidOperation: "1.2.3" read as a number in the trailer.
        "regression-malformed-number.pdf": unsigned.replace(
            b"/Root 1 0 R>>", b"/Root 1 0 R/X 1.2.3>>"
        ),
        # AssertionError: the catalog is a number, not a dictionary.
        "regression-catalog-not-a-dictionary.pdf": unsigned.replace(
            b"<</Type/Catalog/Pages 2 0 R>>", b"42".ljust(29)
        ),
        # AssertionError: startxref points at an ordinary object, not a cross-reference stream.
        "regression-startxref-not-an-xref-stream.pdf": (
            unsigned[:first_xref] + b"startxref\n%d\n%%%%EOF\n" % unsigned.index(b"1 0 obj")
        ),
        # AttributeError in pyhanko-certvalidator: the SignerInfo names an unknown digest.
        "regression-unknown-digest-algorithm.pdf": _replace_nth(
            one, _SHA256_OID, _UNKNOWN_DIGEST_OID, 1
        ),
        # AttributeError in pyHanko: the signed content type is not id-data.
        "regression-unknown-content-type.pdf": _replace_nth(
            one, _ID_DATA_OID, _UNKNOWN_CONTENT_OID, 0
        ),
        # AttributeError in pyHanko's difference analysis: a page-tree kid that resolves to null.
        "regression-page-tree-null-kid.pdf": two.replace(b"/Kids[3 0 R]", b"/Kids[3 1 R]", 1),
        # TypeError in ValidationReport.as_dict(): the XMP metadata of the last revision does not
        # parse, and deep-copying the field name copies the document with lxml's error in it.
        "regression-unparsable-xmp.pdf": _replace_last(two, _RDF_NAMESPACE, _BAD_NAMESPACE),
    }


def regression_samples() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(DIRECTORY.glob("regression-*.pdf"))}


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["regression"]:
        # New keys and signatures: the fuzz tests then explore other examples.
        SIGNED_ELSEWHERE.write_bytes(make_signed_elsewhere_pdf())
    for name, content in make_regression_samples().items():
        (DIRECTORY / name).write_bytes(content)
    for path in sorted(DIRECTORY.glob("*.pdf")):
        print(f"{path}: {path.stat().st_size} bytes")
