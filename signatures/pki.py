"""The development PKI: root and intermediate CA, OCSP, CRLs and a TSA, built with certomancer.

Used by ``manage.py pki_init`` and by the signature tests. Certomancer describes a PKI in a
config and signs each certificate when it is first asked for it. It never generates keys, and
it signs again every time a config is loaded: ECDSA signatures are randomised, so a reloaded
config would hand out other bytes for the same certificate. So the keys are generated here,
certomancer issues each certificate once, the certificate is stored and the config points at
the stored file (``certificate-file``): every later load (the responders, the CSC service, the
next build) serves exactly the certificates that were handed out.

The directory holds::

    certomancer.yml            the certomancer config, architecture ``thidua-dev``
    root.cert.pem              the trust anchor (SIGNING_TRUST_ROOTS)
    intermediate.cert.pem, ocsp.cert.pem, tsa.cert.pem
    root.crl, intermediate.crl the CRLs as of the last build (DER)
    keys/<label>.key.pem       PKCS#8 private keys (mode 0600)
    certs/<label>.cert.pem     every certificate issued (what the config points at)
    officials/<username>.p12   PKCS#12 protected by DEMO_PIN, and <username>.cert.pem
    test-identities/<name>.p12 the deliberately unusable certificates (tests only)
"""

import contextlib
import copy
import datetime
import fcntl
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from hashlib import sha256
from pathlib import Path

import yaml
from asn1crypto import crl as asn1_crl
from asn1crypto import pem, x509
from certomancer.registry import (
    ArchLabel,
    CertLabel,
    CertomancerConfig,
    PKIArchitecture,
    ServiceLabel,
)
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils.translation import gettext as _

ARCHITECTURE = "thidua-dev"
# The PIN of every development keystore (documented in the README and printed by pki_init).
DEMO_PIN = "123456"
CONFIG_NAME = "certomancer.yml"
TEST_IDENTITIES = ("expired", "not-yet-valid", "revoked", "no-signing-usage", "untrusted")

_CA_VALID_FROM = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
_CA_VALID_TO = datetime.datetime(2044, 1, 1, tzinfo=datetime.UTC)
_OFFICIAL_YEARS = 5
# Certomancer dates its CRLs on a simulated schedule counted from the CA's start: a daily CRL
# lists yesterday's revocation today and stays fresh for the rest of the day.
_CRL_SCHEDULE = "P1D"
_CRL_REPOS = ("root", "intermediate")
_INFRASTRUCTURE = ("root", "intermediate", "ocsp", "tsa")
# Labels of the infrastructure and the test identities; an official with one of these
# usernames gets a hashed label instead, so nobody ever receives the root's key.
_RESERVED = {*_INFRASTRUCTURE, "untrusted-root", *TEST_IDENTITIES}
_SAFE_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")
# PKCS#12 with PBES2/AES-256 (what current Windows, macOS and browsers import); the PIN is a
# public demo value, so the KDF cost only has to be ordinary.
_PKCS12_KDF_ROUNDS = 20_000
# A build of 80 officials takes a few seconds; wait that long for a concurrent one, bounded.
_LOCK_TIMEOUT = 60

_ORGANISATION = "Hệ thống Thi đua – Khen thưởng (TEST)"
_TEST_UNIT = "Đơn vị thử nghiệm (TEST)"
_OFFICIALS = "officials"
_TEST_IDENTITIES = "test-identities"


class PkiError(Exception):
    """The directory holds a PKI that cannot be reused as asked; the message says why."""


@dataclass(frozen=True)
class OfficialIdentity:
    """Whom a certificate names: subject CN, title and O (the unit)."""

    username: str
    full_name: str
    title: str
    unit: str


def official_label(username: str) -> str:
    """The certomancer label (also the CSC credential id suffix) of an official's certificate."""
    if _SAFE_LABEL.match(username) and username not in _RESERVED:
        return username
    # "~" never occurs in Django usernames: a hashed label cannot collide with a plain one.
    return "~" + sha256(username.encode()).hexdigest()[:20]


@dataclass
class DevPki:
    """A built development PKI: its anchors, its files and fresh revocation data."""

    directory: Path
    url_prefix: str
    root: x509.Certificate
    intermediate: x509.Certificate
    # Names (usernames, test identities) whose certificate was issued by this build.
    issued: tuple[str, ...] = ()
    _architecture: PKIArchitecture | None = field(default=None, repr=False, compare=False)

    @property
    def tsa_url(self) -> str:
        return f"{self.url_prefix}/{ARCHITECTURE}/tsa/tsa"

    @property
    def config_path(self) -> Path:
        return self.directory / CONFIG_NAME

    @property
    def root_path(self) -> Path:
        return self.directory / "root.cert.pem"

    @cached_property
    def tsa(self) -> x509.Certificate:
        return _read_certificate(self.directory / "tsa.cert.pem")

    def chain_pem(self) -> bytes:
        """The intermediate certificate, PEM: the chain every official's certificate needs."""
        return pem.armor("CERTIFICATE", self.intermediate.dump())

    def officials(self) -> list[str]:
        return sorted(p.name.removesuffix(".cert.pem") for p in self._officials_dir().glob("*.pem"))

    def architecture(self) -> PKIArchitecture:
        if self._architecture is None:
            self._architecture = load_architecture(self.directory)
        return self._architecture

    def crls(self) -> list[bytes]:
        """The current CRLs of the root and the intermediate CA (DER), for offline checks."""
        return _current_crls(self.architecture())

    def certificate_for(self, name: str) -> x509.Certificate:
        return _read_certificate(self._file(name, ".cert.pem"))

    def pkcs12_for(self, name: str) -> bytes:
        return self._file(name, ".p12").read_bytes()

    def key_path_for(self, name: str) -> Path:
        return _key_path(self.directory, self.label_for(name))

    def label_for(self, name: str) -> str:
        """Certomancer's label: the CSC credential id is ``thidua-dev/<label>``."""
        self._file(name, ".cert.pem")  # raises KeyError for unknown names
        return name if self._is_test_identity(name) else official_label(name)

    def _officials_dir(self) -> Path:
        return self.directory / _OFFICIALS

    def _is_test_identity(self, name: str) -> bool:
        official = self._officials_dir() / f"{name}.cert.pem"
        return name in TEST_IDENTITIES and not official.exists()

    def _file(self, name: str, suffix: str) -> Path:
        folder = _TEST_IDENTITIES if self._is_test_identity(name) else _OFFICIALS
        path = self.directory / folder / f"{name}{suffix}"
        if not path.exists():
            raise KeyError(name)
        return path


def build_dev_pki(
    directory: Path,
    *,
    url_prefix: str,
    officials: Iterable[OfficialIdentity] = (),
    test_identities: bool = False,
) -> DevPki:
    """Build the development PKI under ``directory``, or complete the one already there.

    Existing keys and certificates (the root first of all) are never replaced: a second build
    only issues certificates for officials (and test identities) that are new.
    """
    directory = Path(directory).resolve()
    url_prefix = url_prefix.rstrip("/")
    directory.mkdir(parents=True, exist_ok=True)
    today = datetime.datetime.now(datetime.UTC).date()
    with _locked(directory):
        stored = _read_config(directory)
        config = copy.deepcopy(stored) if stored else _new_config(directory, url_prefix)
        _check_prefix(config, url_prefix, directory)
        subjects = _wanted_subjects(list(officials), test_identities, today)
        issued = _add_missing(config, subjects)
        _ensure_keys(directory, config)
        architecture = _issue_missing_certificates(directory, config)
        if config != stored:
            _save_config(directory, config)
        _write_outputs(directory, architecture, subjects)
    return DevPki(
        directory=directory,
        url_prefix=url_prefix,
        root=_read_certificate(directory / "root.cert.pem"),
        intermediate=_read_certificate(directory / "intermediate.cert.pem"),
        issued=tuple(s.name for s in subjects if s.folder and s.label in issued),
        _architecture=architecture,
    )


def open_dev_pki(directory: Path) -> DevPki | None:
    """The PKI already built under ``directory``, or None when there is none."""
    directory = Path(directory).resolve()
    config = _read_config(directory)
    if config is None or not (directory / "root.cert.pem").exists():
        return None
    return DevPki(
        directory=directory,
        url_prefix=config["external-url-prefix"],
        root=_read_certificate(directory / "root.cert.pem"),
        intermediate=_read_certificate(directory / "intermediate.cert.pem"),
    )


def load_config(directory: Path, config: dict | None = None) -> CertomancerConfig:
    """Certomancer's config of the PKI under ``directory`` (the stored one by default)."""
    return CertomancerConfig(
        config if config is not None else _read_config(Path(directory)),
        key_search_dir=str(directory),
        config_search_dir=str(directory),  # where the certificate files are
    )


def load_architecture(directory: Path, config: dict | None = None) -> PKIArchitecture:
    """Certomancer's view of the PKI (keys, certificates, services)."""
    return load_config(directory, config).get_pki_arch(ArchLabel(ARCHITECTURE))


def _current_crls(architecture: PKIArchitecture) -> list[bytes]:
    now = datetime.datetime.now(datetime.UTC)
    registry = architecture.service_registry
    return [registry.get_crl(ServiceLabel(label), now).dump() for label in _CRL_REPOS]


# The certomancer config ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    """One certificate to issue: its label, subject entity, certificate spec and output files."""

    name: str
    label: str
    entity: dict
    spec: dict
    folder: str = ""  # where <name>.p12 and <name>.cert.pem go; empty: nowhere
    friendly_name: str = ""


def _new_config(directory: Path, url_prefix: str) -> dict:
    if (directory / "root.cert.pem").exists():
        # Rebuilding would mint a new root under the old file name: refuse instead.
        raise PkiError(
            _(
                "%(directory)s holds a root certificate but no %(config)s: restore the config "
                "or start from an empty directory."
            )
            % {"directory": directory, "config": CONFIG_NAME}
        )
    entities, certs = {}, {}
    for subject in _infrastructure():
        entities[subject.label], certs[subject.label] = subject.entity, subject.spec
    return {
        "external-url-prefix": url_prefix,
        "keysets": {ARCHITECTURE: {"path-prefix": "keys", "keys": {}}},
        "pki-architectures": {
            ARCHITECTURE: {
                "keyset": ARCHITECTURE,
                "entity-defaults": {"country-name": "VN"},
                "entities": entities,
                "certs": certs,
                "services": _services(),
            }
        },
    }


def _services() -> dict:
    def crl_repo(issuer):
        return {
            "for-issuer": issuer,
            "signing-key": issuer,
            "simulated-update-schedule": _CRL_SCHEDULE,
        }

    return {
        "ocsp": {
            "intermediate": {
                "for-issuer": "intermediate",
                "responder-cert": "ocsp",
                "signing-key": "ocsp",
            }
        },
        "crl-repo": {label: crl_repo(label) for label in _CRL_REPOS},
        "cert-repo": {
            "root": {"for-issuer": "root", "publish-issued-certs": False},
            "intermediate": {"for-issuer": "intermediate", "publish-issued-certs": False},
        },
        "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
    }


def _infrastructure() -> list[_Subject]:
    ca_validity = _validity(_CA_VALID_FROM, _CA_VALID_TO)
    key_usage = {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
    }
    time_stamping = {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]}
    specs = {
        "root": (
            "TEST Root CA – Thi đua – Khen thưởng",
            {"issuer": "root", "profiles": [_ca_profile(crl_repo="root")]},
        ),
        "intermediate": (
            "TEST CA ký số cán bộ – Thi đua – Khen thưởng",
            {
                "issuer": "root",
                "profiles": [
                    _ca_profile(max_path_len=0, crl_repo="intermediate", ocsp="intermediate")
                ],
            },
        ),
        "ocsp": ("TEST OCSP Responder", {"issuer": "intermediate", "profiles": ["ocsp-responder"]}),
        "tsa": (
            "TEST Time Stamping Authority",
            {"issuer": "root", "extensions": [key_usage, time_stamping]},
        ),
    }
    return [
        _Subject(
            name=label,
            label=label,
            entity={"common-name": common_name, "organization-name": _ORGANISATION},
            spec={**spec, "serial": _serial(), "validity": ca_validity},
        )
        for label, (common_name, spec) in specs.items()
    ]


def _ca_profile(*, max_path_len=None, crl_repo=None, ocsp=None) -> dict:
    params = {"max-path-len": max_path_len, "crl-repo": crl_repo, "ocsp-service": ocsp}
    return {"id": "simple-ca", "params": {k: v for k, v in params.items() if v is not None}}


def _official_spec(valid_from: datetime.datetime, valid_to: datetime.datetime, **extra) -> dict:
    # OCSP and the issuer's certificate (caIssuers), so that validators can fetch both.
    aia = {
        "id": "authority_information_access",
        "smart-value": {
            "schema": "aia-urls",
            "params": {
                "ocsp-responder-names": ["intermediate"],
                "ca-issuer-links": [{"repo": "intermediate"}],
            },
        },
    }
    spec = {
        "issuer": "intermediate",
        "serial": _serial(),
        "validity": _validity(valid_from, valid_to),
        "profiles": ["digsig-commitment"],  # key usage: digital signature + non-repudiation
        "extensions": [aia],
    }
    spec.update(extra)
    return spec


def _wanted_subjects(officials, test_identities: bool, today: datetime.date) -> list[_Subject]:
    yesterday = _midnight(today - datetime.timedelta(days=1))
    subjects = [
        _Subject(
            name=official.username,
            label=official_label(official.username),
            entity=_entity(official.full_name, official.title, official.unit),
            spec=_official_spec(yesterday, _years_later(yesterday, _OFFICIAL_YEARS)),
            folder=_OFFICIALS,
            friendly_name=_nfc(official.full_name),
        )
        for official in officials
    ]
    if test_identities:
        subjects.extend(_test_subjects(today))
    return subjects


def _test_subjects(today: datetime.date) -> list[_Subject]:
    """Certificates that must be refused, one per reason, and the root nobody trusts."""
    untrusted_root = _Subject(
        name="untrusted-root",
        label="untrusted-root",
        entity={"common-name": "TEST Untrusted Root", "organization-name": _TEST_UNIT},
        spec={
            "issuer": "untrusted-root",
            "serial": _serial(),
            "validity": _validity(_CA_VALID_FROM, _CA_VALID_TO),
            "profiles": [_ca_profile()],
        },
    )
    return [untrusted_root] + [
        _Subject(
            name=name,
            label=name,
            entity=_entity(full_name, "Chuyên viên", _TEST_UNIT),
            spec=spec,
            folder=_TEST_IDENTITIES,
            friendly_name=full_name,
        )
        for name, (full_name, spec) in _test_specs(today).items()
    ]


def _test_specs(today: datetime.date) -> dict[str, tuple[str, dict]]:
    yesterday = _midnight(today - datetime.timedelta(days=1))
    next_year = datetime.datetime(today.year + 1, 1, 1, tzinfo=datetime.UTC)
    five_years = _years_later(yesterday, _OFFICIAL_YEARS)
    no_signing = {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": ["key_encipherment"]},
    }
    return {
        "expired": (
            "Đặng Văn Hạn",
            _official_spec(
                _midnight(today - datetime.timedelta(days=400)),
                _midnight(today - datetime.timedelta(days=35)),
            ),
        ),
        "not-yet-valid": (
            "Phan Thị Xuân",
            _official_spec(next_year, _years_later(next_year, _OFFICIAL_YEARS)),
        ),
        "revoked": (
            "Bùi Văn Thu",
            _official_spec(
                yesterday - datetime.timedelta(days=1),
                five_years,
                revocation={"revoked-since": _iso(yesterday), "reason": "key_compromise"},
            ),
        ),
        "no-signing-usage": (
            "Lý Thị Mã",
            _official_spec(yesterday, five_years, profiles=[], extensions=[no_signing]),
        ),
        "untrusted": (
            "Ngô Văn Lạ",
            {**_official_spec(yesterday, five_years), "issuer": "untrusted-root", "extensions": []},
        ),
    }


def _entity(full_name: str, title: str, unit: str) -> dict:
    # Stored NFC: a name typed in NFD would otherwise give a different subject for the same
    # person, and compare unequal in searches.
    entity = {"common-name": _nfc(full_name), "title": _nfc(title), "organization-name": _nfc(unit)}
    return {key: value for key, value in entity.items() if value}


def _add_missing(config: dict, subjects: list[_Subject]) -> set[str]:
    architecture = config["pki-architectures"][ARCHITECTURE]
    added = set()
    for subject in subjects:
        if subject.label in architecture["certs"]:
            continue
        architecture["entities"][subject.label] = subject.entity
        architecture["certs"][subject.label] = subject.spec
        added.add(subject.label)
    return added


def _check_prefix(config: dict, url_prefix: str, directory: Path) -> None:
    built_for = config["external-url-prefix"]
    if built_for != url_prefix:
        raise PkiError(
            _(
                "The PKI in %(directory)s was built for %(built_for)s: its certificates point "
                "there. Use that URL, or another directory for %(url)s."
            )
            % {"directory": directory, "built_for": built_for, "url": url_prefix}
        )


# Keys and certificates ----------------------------------------------------------------------


def _ensure_keys(directory: Path, config: dict) -> None:
    """An ECDSA P-256 key for every certificate that has none yet (never replaces one)."""
    keys = config["keysets"][ARCHITECTURE]["keys"]
    certs = config["pki-architectures"][ARCHITECTURE]["certs"]
    for label, spec in certs.items():
        path = _key_path(directory, label)
        keys[label] = {"path": path.name}
        if path.exists():
            continue
        if "certificate-file" in spec:
            raise PkiError(
                _("The private key of the issued certificate %(label)s is missing: %(path)s")
                % {"label": label, "path": path}
            )
        key = ec.generate_private_key(ec.SECP256R1())
        _write(path, _pkcs8(key), private=True)


def _issue_missing_certificates(directory: Path, config: dict) -> PKIArchitecture:
    """Let certomancer sign what has no certificate file yet, and point the config at it."""
    certs = config["pki-architectures"][ARCHITECTURE]["certs"]
    architecture = load_architecture(directory, config)
    for label, spec in certs.items():
        if "certificate-file" not in spec:
            certificate = architecture.get_cert(CertLabel(label))
            relative = Path("certs") / f"{label}.cert.pem"
            _write(directory / relative, _pem(certificate))
            spec["certificate-file"] = str(relative)
    return architecture


def _write_outputs(directory: Path, architecture: PKIArchitecture, subjects) -> None:
    for label in _INFRASTRUCTURE:
        path = directory / f"{label}.cert.pem"
        if not path.exists():
            _write(path, _pem(architecture.get_cert(CertLabel(label))))
    for label, crl in zip(_CRL_REPOS, _current_crls(architecture), strict=True):
        _write_crl(directory / f"{label}.crl", crl)
    chain = [architecture.get_cert(CertLabel(label)) for label in ("intermediate", "root")]
    for subject in subjects:
        if subject.folder:
            _write_identity(directory, architecture, subject, chain)


def _write_crl(path: Path, data: bytes) -> None:
    """Keep the stored CRL while it is the current one (same number): reruns change no file."""
    number = asn1_crl.CertificateList.load(data).crl_number_value.native
    if path.exists():
        with contextlib.suppress(ValueError):
            if asn1_crl.CertificateList.load(path.read_bytes()).crl_number_value.native == number:
                return
    _write(path, data)


def _write_identity(directory: Path, architecture, subject: _Subject, chain) -> None:
    certificate_path = directory / subject.folder / f"{subject.name}.cert.pem"
    keystore_path = directory / subject.folder / f"{subject.name}.p12"
    certificate = architecture.get_cert(CertLabel(subject.label))
    if not certificate_path.exists():
        _write(certificate_path, _pem(certificate))
    if not keystore_path.exists():
        if subject.spec["issuer"] == "untrusted-root":
            chain = [architecture.get_cert(CertLabel("untrusted-root"))]
        keystore = _pkcs12(
            subject.friendly_name, _key_path(directory, subject.label), certificate, chain
        )
        _write(keystore_path, keystore, private=True)


def _pkcs12(friendly_name: str, key_path: Path, certificate, chain) -> bytes:
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(_PKCS12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(DEMO_PIN.encode())
    )
    return pkcs12.serialize_key_and_certificates(
        name=friendly_name.encode() or None,
        key=key,
        cert=pyca_x509.load_der_x509_certificate(certificate.dump()),
        cas=[pyca_x509.load_der_x509_certificate(ca.dump()) for ca in chain],
        encryption_algorithm=encryption,
    )


# Small helpers ------------------------------------------------------------------------------


def _key_path(directory: Path, label: str) -> Path:
    return directory / "keys" / f"{label}.key.pem"


def _pkcs8(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem(certificate: x509.Certificate) -> bytes:
    return pem.armor("CERTIFICATE", certificate.dump())


def _read_certificate(path: Path) -> x509.Certificate:
    data = path.read_bytes()
    _type, _headers, der = pem.unarmor(data) if pem.detect(data) else (None, None, data)
    return x509.Certificate.load(der)


def _read_config(directory: Path) -> dict | None:
    path = directory / CONFIG_NAME
    if not path.exists():
        return None
    # libyaml when present: the pure-Python parser takes a quarter of a second on 80 officials.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def _save_config(directory: Path, config: dict) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = "# Development PKI (manage.py pki_init): never for production.\n" + yaml.dump(
        config, Dumper=dumper, allow_unicode=True, sort_keys=False
    )
    _write(directory / CONFIG_NAME, text.encode())


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write through a temporary file and a rename: an interrupted build leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)  # a leftover would keep its old mode
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644
    )
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
    os.replace(temporary, path)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialise builds of one directory (two pki_init at once would mint two roots)."""
    with open(directory / ".lock", "a") as lock:  # "a": opening must not touch the file
        deadline = time.monotonic() + _LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PkiError(
                        _("Another build of %(directory)s is still running.")
                        % {"directory": directory}
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _serial() -> int:
    # Random serials, as real CAs use: two development PKIs never share a serial by accident.
    return secrets.randbits(63) | 1


def _validity(valid_from: datetime.datetime, valid_to: datetime.datetime) -> dict:
    return {"valid-from": _iso(valid_from), "valid-to": _iso(valid_to)}


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)


def _years_later(moment: datetime.datetime, years: int) -> datetime.datetime:
    # 29 February has no counterpart in most years: fall back to the 28th.
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")
