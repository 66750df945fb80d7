"""Subset Noto Sans CJK SC to GB 2312 + ASCII once, so PDFs embed a small font quickly.

WeasyPrint subsets every embedded font for each document; for the full CJK face that costs
seconds per document (DESIGN.md). The pre-subset faces in static/fonts are committed;
rare characters fall back to the system's full face. Re-run after a font update:
    python manage.py subset_cjk_font
"""

import contextlib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SOURCES = {
    "Regular": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "Bold": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
EXTRA = "，。、；：？！“”‘’（）【】《》〈〉—…·￥％＋－×÷＝～　「」『』〇①②③④⑤⑥⑦⑧⑨⑩"


def gb2312_characters() -> str:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([high, low]).decode("gb2312"))
    chars.update(EXTRA)
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width ASCII
    return "".join(sorted(chars))


class Command(BaseCommand):
    help = "Write static/fonts/NotoSansSC-GB2312-{Regular,Bold}.otf from Debian's fonts-noto-cjk."

    def handle(self, *args, **options):
        import logging

        from fontTools import subset

        logging.getLogger("fontTools").setLevel(logging.WARNING)
        from fontTools.ttLib import TTCollection

        text = gb2312_characters()
        out_dir = Path(settings.BASE_DIR) / "static" / "fonts"
        out_dir.mkdir(parents=True, exist_ok=True)
        for weight, source in SOURCES.items():
            if not Path(source).exists():
                raise CommandError(f"{source} is missing: apt-get install fonts-noto-cjk")
            collection = TTCollection(source)
            font = next(
                f for f in collection.fonts if f["name"].getDebugName(1) in {"Noto Sans CJK SC", "Noto Sans CJK SC Bold"}
            )
            options_ = subset.Options()
            options_.layout_features = []  # CJK text needs no shaping features; keeps the file small
            options_.hinting = False
            options_.name_IDs = ["*"]
            options_.notdef_outline = True
            subsetter = subset.Subsetter(options_)
            subsetter.populate(text=text)
            subsetter.subset(font)
            for record in font["name"].names:  # a family name of our own, so CSS picks this file
                if record.nameID in (1, 4, 16):
                    record.string = f"Union Sans SC {weight}" if record.nameID == 4 else "Union Sans SC"
            target = out_dir / f"NotoSansSC-GB2312-{weight}.otf"
            font.save(target)
            self.stdout.write(f"{target.name}: {target.stat().st_size // 1024} KiB, {len(text)} characters")
