"""The Vietnamese catalogues are complete and their compiled .mo files are up to date."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = [
    ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po",
    ROOT / "config" / "viewflow_locale" / "vi" / "LC_MESSAGES" / "django.po",
]


@pytest.mark.parametrize("path", CATALOGUES, ids=["project", "viewflow"])
def test_every_message_is_translated(path):
    catalogue = polib.pofile(str(path))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


@pytest.mark.parametrize("path", CATALOGUES, ids=["project", "viewflow"])
def test_compiled_catalogue_matches_its_source(path):
    compiled = polib.mofile(str(path.with_suffix(".mo")))
    source = polib.pofile(str(path))
    as_compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in compiled}
    as_written = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in source.translated_entries()
        if not e.obsolete
    }
    assert as_compiled == as_written, "run `make messages` (or msgfmt) after editing the .po"


def test_our_strings_are_served_in_vietnamese():
    with translation.override("vi"):
        assert translation.gettext("Emulation blocs") == "Khối, cụm thi đua"
        assert translation.gettext("Inbox") == "Việc của tôi"
