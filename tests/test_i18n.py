"""The zh_Hans catalogue is complete: no untranslated or fuzzy entry, and the .mo matches the .po."""

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
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


def test_every_message_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch, settings):
    """What `make messages` would extract equals what the committed .po holds: no string is left in English."""
    if shutil.which("xgettext") is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("gettext (xgettext) is needed to check the catalogue against the code")
        pytest.skip("gettext is not installed")
    # makemessages writes into the locale folder beside the sources it walks: walk links to the sources
    # from a scratch folder holding a copy of the catalogue, so the committed one is never touched
    base = Path(settings.BASE_DIR)
    for entry in base.iterdir():
        if entry.name not in {"locale", ".venv", ".git", "tests", "benchmarks", "staticfiles", "node_modules"}:
            (tmp_path / entry.name).symlink_to(entry)
    shutil.copytree(base / "locale", tmp_path / "locale")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zh_Hans"], no_location=True, no_obsolete=True, symlinks=True,
                 verbosity=0, ignore_patterns=["staticfiles", "node_modules"])
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO))}
    assert not extracted - committed, f"not in the catalogue (run make messages): {sorted(extracted - committed)[:5]}"
    assert not committed - extracted, f"no longer in the code (run make messages): {sorted(committed - extracted)[:5]}"


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
