"""Subset Noto Sans CJK SC to GB 2312 + ASCII once, so PDFs embed a small font quickly.

WeasyPrint subsets every embedded font for each document; for the full CJK face that costs
seconds per document when it falls back to fontTools (DESIGN.md). The pre-subset faces in
static/fonts are committed; rare characters fall back to the system's full face.
Re-run after a font update (needs Debian's fonts-noto-cjk, fontTools and brotli; ~1 min):

    python manage.py subset_cjk_font

The output is WOFF2 (about a quarter smaller than .otf; WeasyPrint decompresses it once per
process). The family is renamed "Union Sans SC": the OFL asks modified fonts not to keep the
original name, and a distinct name keeps fontconfig from matching the subset for
"Noto Sans CJK SC", the fallback that must stay the full face.
"""

import contextlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SOURCES = {
    "Regular": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "Bold": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
FAMILY = "Noto Sans CJK SC"  # font number 2 in Debian's collections (JP, KR, SC, TC, HK, then Mono)
NEW_FAMILY = "Union Sans SC"
# Most are in GB 2312 already; listed so the set does not depend on the codec's mapping choices
PUNCTUATION = "，。、；：？！“”‘’（）【】《》〈〉「」『』〔〕—–…·•￥％＋－×÷＝～　〇℃№①②③④⑤⑥⑦⑧⑨⑩"


def subset_characters() -> str:
    """Every character GB 2312 encodes, ASCII, full-width ASCII forms and common punctuation."""
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([high, low]).decode("gb2312"))
    chars.update(PUNCTUATION)
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width digits, letters and signs
    return "".join(sorted(chars))


def font_number(collection, family: str) -> int:
    for number, font in enumerate(collection.fonts):
        if font["name"].getDebugName(1) == family:
            return number
    raise CommandError(f"{family!r} is not in the collection")


class Command(BaseCommand):
    help = "Write static/fonts/NotoSansSC-GB2312-{Regular,Bold}.woff2 from Debian's fonts-noto-cjk."

    def handle(self, *args, **options):
        from fontTools import subset
        from fontTools.ttLib import TTCollection, TTFont

        logging.getLogger("fontTools").setLevel(logging.WARNING)
        text = subset_characters()
        out_dir = Path(settings.BASE_DIR) / "static" / "fonts"
        out_dir.mkdir(parents=True, exist_ok=True)
        for style, source in SOURCES.items():
            if not Path(source).exists():
                raise CommandError(f"{source} is missing: apt-get install fonts-noto-cjk")
            number = font_number(TTCollection(source, lazy=True), FAMILY)
            font = TTFont(source, fontNumber=number)
            opts = subset.Options()
            opts.layout_features = []  # Chinese needs no shaping features; they would double the size
            opts.hinting = False  # PDFs are printed or scaled; hints add ~20 %
            opts.name_IDs = ["*"]
            opts.notdef_outline = True
            opts.flavor = "woff2"
            subsetter = subset.Subsetter(opts)
            subsetter.populate(text=text)
            subsetter.subset(font)
            postscript = f"{NEW_FAMILY.replace(' ', '')}-{style}"
            names = {1: NEW_FAMILY, 3: f"{font['head'].fontRevision:.3f};UNION;{postscript}",
                     4: f"{NEW_FAMILY} {style}", 6: postscript, 16: NEW_FAMILY}
            for record in font["name"].names:
                if record.nameID in names:
                    record.string = names[record.nameID]
            cff = font["CFF "].cff
            cff.fontNames = [postscript]
            top = cff.topDictIndex[0]
            for key, value in (("FamilyName", NEW_FAMILY), ("FullName", names[4])):
                if hasattr(top, key):
                    setattr(top, key, value)
            target = out_dir / f"NotoSansSC-GB2312-{style}.woff2"
            subset.save_font(font, str(target), opts)
            self.stdout.write(f"{target.name}: {target.stat().st_size // 1024} KiB, {len(text)} characters "
                              f"(from font {number} of {Path(source).name})")
