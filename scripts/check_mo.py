"""Fail when the committed .mo catalogue does not match its .po (run `make messages`)."""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
failed = False
for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        print(f"{mo_path} is missing: run make messages")
        failed = True
        continue
    po = polib.pofile(str(po_path))
    mo = {(e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in polib.mofile(str(mo_path))}
    want = {(e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in po.translated_entries()}
    if want != mo:
        differ = [k[1] for k in want.keys() | mo.keys() if want.get(k) != mo.get(k)]
        print(f"{mo_path} is stale ({len(differ)} differences, e.g. {differ[:3]}): run make messages")
        failed = True
print("catalogues: stale" if failed else "catalogues: up to date")
sys.exit(1 if failed else 0)
