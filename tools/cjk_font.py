"""Make the Chinese font the kernels draw the Chinese edition's plots with.

    .venv/bin/python tools/cjk_font.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

Cuts Noto Sans CJK SC Regular (SIL Open Font License 1.1; Debian's
fonts-noto-cjk has it) to ASCII, CJK punctuation, full-width forms, the
characters ·—‘’“”…−× and the 3,755 hanzi of GB 2312 level 1, and writes
``glossary_examples/_lib/fonts/NotoSansCJKsc-Regular-subset.otf`` (1.8 MB).
Run it when ``tests/test_zh_figures.py`` finds a character of the plots'
translations that the font lacks: add the character to EXTRA below.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "glossary_examples" / "_lib" / "fonts" / "NotoSansCJKsc-Regular-subset.otf"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC = 2  # the collection's Simplified Chinese face
EXTRA = "·—‘’“”…−×熵阈–→"


def gb2312_level1() -> str:
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(chars)


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else SOURCE
    options = subset.Options()
    options.font_number = SC
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # names and licence kept
    options.notdef_outline = True
    options.recalc_timestamp = False  # the same bytes every time
    options.drop_tables.append("FFTM")
    font = subset.load_font(str(source), options)
    unicodes = {ord(c) for c in gb2312_level1() + EXTRA}
    unicodes |= set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFF66))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(unicodes))
    subsetter.subset(font)
    subset.save_font(font, str(TARGET), options)
    print(f"{TARGET}: {TARGET.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
