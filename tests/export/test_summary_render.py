"""The 요약 sheet as a spreadsheet program draws it: LibreOffice prints the workbook to PDF, poppler makes the
first page a PNG (kept as .artifacts/summary_sheet.png), and the charts must be on it, in colour, beside the
tables."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from summary_survey import answered_chat

from chalicelib.export.summary import summarize
from chalicelib.export.workbook import build_xlsx

pytestmark = pytest.mark.timeout(240)  # a hung office process fails this test, not the run

ARTIFACT = Path(__file__).resolve().parents[2] / ".artifacts" / "summary_sheet.png"
DPI = 60
A4_LANDSCAPE = (round(297 / 25.4 * DPI), round(210 / 25.4 * DPI))  # pixels, as the sheet is printed


def tools() -> tuple[str, str]:
    soffice, pdftoppm = shutil.which("soffice") or shutil.which("libreoffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        missing = ", ".join(n for n, p in (("soffice", soffice), ("pdftoppm", pdftoppm)) if not p)
        pytest.skip(f"rendering the 요약 sheet needs {missing} (LibreOffice Calc and poppler-utils)")
    return soffice, pdftoppm


def render(xlsx: bytes, tmp: Path) -> Path:
    """The first page of the workbook printed by LibreOffice, as a PNG at ``DPI``."""
    soffice, pdftoppm = tools()
    book = tmp / "book.xlsx"
    book.write_bytes(xlsx)
    profile = tmp / "profile"  # a profile of its own: runs never share or wait on one
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp / "book.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0, "LibreOffice made no PDF"
    subprocess.run(
        [pdftoppm, "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp / "page")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return tmp / "page.png"


def coloured(rgb: tuple[int, int, int]) -> bool:
    """A saturated pixel: a bar, not text, grid lines or the pale header fill."""
    return max(rgb) - min(rgb) > 80


def test_summary_page_shows_the_charts_beside_the_tables(tmp_path: Path) -> None:
    tools()
    from PIL import Image

    c = answered_chat()
    s = c.store.list_surveys()[0]
    answers = c.store.list_answers(s.id)
    png = render(build_xlsx([(s.title, s, answers)], summary=(s, summarize(s, answers, 6))), tmp_path)
    ARTIFACT.parent.mkdir(exist_ok=True)
    shutil.copyfile(png, ARTIFACT)

    with Image.open(png) as img:
        page = img.convert("RGB")
    width, height = page.size
    assert abs(width - A4_LANDSCAPE[0]) <= 2 and abs(height - A4_LANDSCAPE[1]) <= 2, page.size  # A4, landscape
    pixels: Any = page.load()  # RGB: a (r, g, b) per pixel
    inked = sum(1 for x in range(width) for y in range(height) if sum(pixels[x, y]) < 600)
    assert inked > width * height // 100, "the page is blank"

    bars = [(x, y) for x in range(width) for y in range(height) if coloured(pixels[x, y])]
    assert len(bars) > 400, f"no chart drawn: {len(bars)} coloured pixels"
    # The bars stand right of the tables (whose text is in the left part of the page) and in several places.
    left = min(x for x, _ in bars)
    assert left > width // 3, f"bars start at x={left} of {width}: over the tables"
    top, bottom = min(y for _, y in bars), max(y for _, y in bars)
    assert bottom - top > height // 4, "the charts are not stacked beside their tables"
