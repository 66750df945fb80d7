"""The zh_Hans catalogue is complete: no untranslated or fuzzy entry, and the .mo matches the .po."""

from pathlib import Path

import polib
from django.conf import settings
from django.test import Client
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert len(po) > 100


def test_committed_mo_matches_the_po():
    po = polib.pofile(str(PO))
    mo = polib.mofile(str(PO.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo}
    for entry in po.translated_entries():
        key = (entry.msgctxt, entry.msgid)
        assert key in compiled, f"{entry.msgid!r} missing from the committed .mo: run make messages"
        assert compiled[key] == (entry.msgstr, tuple(sorted(entry.msgstr_plural.items())))


def test_chinese_is_the_default_and_english_is_available(db):
    with translation.override("zh-hans"):
        assert translation.gettext("Union Home") == "职工之家"
    with translation.override("en"):
        assert translation.gettext("Union Home") == "Union Home"
    page = Client().get("/accounts/login/")
    assert 'lang="zh-hans"' in page.content.decode()
    assert "职工之家" in page.content.decode()
