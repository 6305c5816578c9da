"""The Vietnamese catalogues are complete and their compiled .mo files are up to date; no page
template holds a word outside them."""

import re
from pathlib import Path

import polib
import pytest
from django.template.base import Lexer, TokenType
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


# -- every word of a page template goes through the catalogue -----------------------------------

TEMPLATE_DIRS = [
    ROOT / "config" / "templates",
    *(ROOT / app / "templates" for app in ("workflows", "signatures", "notifications")),
    *(ROOT / "flows" / app / "templates" for app in ("blocs", "pledges", "board")),
]
#: Documents are written in Vietnamese whatever the reader's language (ND 30/2020 forms).
DOCUMENT_TEMPLATES = ("signatures/nd30/", "pledges/documents/")
#: Names that are the same in every language.
TECHNICAL_WORDS = {"SHA"}
TRANSLATED_BLOCKS = {"comment", "blocktranslate", "blocktrans"}
INVISIBLE = re.compile(
    r"<(script|style)\b.*?</\1>|<(i|span)\b[^>]*material-icons[^>]*>.*?</\2>|<[^>]*>|&#?\w+;",
    re.S,
)


def untranslated_words(source: str) -> list[str]:
    """Words of a template's text outside {% translate %} / {% blocktranslate %} and tags."""
    parts, depth = [], 0
    for token in Lexer(source).tokenize():
        name = token.contents.split()[0] if token.token_type == TokenType.BLOCK else ""
        if name in TRANSLATED_BLOCKS:
            depth += 1
        elif name in {f"end{block}" for block in TRANSLATED_BLOCKS}:
            depth -= 1
        elif not depth:
            parts.append(token.contents if token.token_type == TokenType.TEXT else " \x01 ")
    text = INVISIBLE.sub(" ", "".join(parts))
    return [word for word in re.findall(r"[^\W\d_]{2,}", text) if word not in TECHNICAL_WORDS]


def page_templates():
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*.html")):
            if not any(part in path.as_posix() for part in DOCUMENT_TEMPLATES):
                yield path


def test_no_page_template_holds_text_outside_the_catalogue():
    found = {
        str(path.relative_to(ROOT)): words
        for path in page_templates()
        if (words := untranslated_words(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_template_check_finds_a_bare_word():
    assert untranslated_words('<p class="x">Save</p>{% translate "Save" %}') == ["Save"]


# -- every model, field and choice of ours has a name in the catalogue --------------------------

OUR_APPS = {
    "workflows",
    "signatures",
    "notifications",
    "blocs",
    "rules",
    "awards",
    "pledges",
    "scoring",
    "board",
    "demo",
}


def test_every_model_field_and_choice_has_a_translatable_name():
    from django.apps import apps
    from django.utils.functional import Promise

    bare = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        if not isinstance(model._meta.verbose_name, Promise):
            bare.append(model._meta.label)
        for field in model._meta.get_fields():
            inherited = getattr(field, "model", model)._meta.app_label not in OUR_APPS
            if field.auto_created or not getattr(field, "concrete", False) or inherited:
                continue
            if not isinstance(field.verbose_name, Promise):
                bare.append(f"{model._meta.label}.{field.name}")
            bare += [
                f"{model._meta.label}.{field.name}={value}"
                for value, label in field.choices or []
                if not isinstance(label, Promise)
            ]
    assert bare == []
