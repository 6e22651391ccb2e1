"""What a downloaded file is called and said to be: its names (UTF-8 and an ASCII fallback), its
Content-Disposition and its content type."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FALLBACK_FILENAME = "survey-export"

_FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_ASCII_ALLOWED = re.compile(r"[^A-Za-z0-9._()\- ]")
_MAX_FILENAME_CHARS = 100


def export_filename(title: str, ext: str) -> tuple[str, str]:
    """``(ascii fallback, UTF-8 name)`` for a download, both ending in ``.ext``.

    The UTF-8 name keeps Korean text but drops characters no file system
    accepts. The ASCII fallback is the same name with Hangul romanised and
    spaces as hyphens (``회식 메뉴 조사_20261202`` → ``hoesik-menyu-josa_20261202``),
    keeping letters, digits and ``._-()`` only, and ``survey-export`` when
    nothing is left.
    """
    from chalicelib.export.romaja import romanize

    ext = ext.lstrip(".").lower()
    if not re.fullmatch(r"[a-z0-9]{1,8}", ext):
        raise ValueError(f"bad file extension: {ext!r}")
    normalized = unicodedata.normalize("NFC", title or "")
    utf8 = " ".join(_FILENAME_FORBIDDEN.sub("_", normalized).split()).strip(". ")
    utf8 = utf8[:_MAX_FILENAME_CHARS].rstrip(". ") or FALLBACK_FILENAME
    ascii_ = "-".join(_ASCII_ALLOWED.sub("", romanize(utf8)).split())
    ascii_ = ascii_[:_MAX_FILENAME_CHARS].strip(" ._-") or FALLBACK_FILENAME
    return f"{ascii_}.{ext}", f"{utf8}.{ext}"


def content_disposition(title: str, ext: str) -> str:
    """``attachment`` header with an ASCII ``filename`` and an RFC 5987 ``filename*``."""
    ascii_name, utf8_name = export_filename(title, ext)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"


def content_type(ext: str) -> str:
    """MIME type for an export extension."""
    return {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE}.get(ext.lstrip(".").lower(), "application/octet-stream")
