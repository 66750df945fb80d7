"""Say clearly what the machine lacks before `make run` starts the server."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APT = "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk"

try:
    import weasyprint  # noqa: F401 - loads Pango through cffi
except OSError as exc:
    print("缺少 WeasyPrint 需要的 Pango 库 / WeasyPrint cannot load Pango:", exc)
    print("请安装 / please install:", APT)
    sys.exit(1)

has_cjk = False
if shutil.which("fc-list"):
    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout  # noqa: S603,S607
    has_cjk = bool(out.strip())
if not has_cjk and not list((ROOT / "static" / "fonts").glob("*.woff2")):
    print("提示：没有找到中文字体，PDF 中的汉字会显示为方框 / warning: no CJK font; PDFs will show boxes.")
    print("请安装 / please install: sudo apt-get install fonts-noto-cjk")
print("系统检查通过 / system check passed")
