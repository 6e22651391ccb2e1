"""The README's map of the code names every module, under its own folder, and no module that is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def architecture() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Architecture")
    return text[start : text.index("\n## ", start + 1)]


def modules_by_folder() -> dict[str, set[str]]:
    """Each folder of chalicelib (top level as "") with the modules and packages the map lists in it."""
    out: dict[str, set[str]] = {}
    for path in (ROOT / "chalicelib").rglob("*.py"):
        rel = path.relative_to(ROOT / "chalicelib")
        if rel.name == "__init__.py" or rel.parts[0] == "__pycache__":
            continue
        if len(rel.parts) > 2:  # a package inside a folder (domain/kinds/) is listed as the package
            out.setdefault(rel.parts[0], set()).add(rel.parts[1] + "/")
        else:
            out.setdefault(rel.parts[0] if len(rel.parts) == 2 else "", set()).add(rel.name)
    return out


def listed(section: str) -> dict[str, set[str]]:
    """The names in the map's table, grouped by the folder heading (**`chalicelib/x/`**) they follow."""
    out: dict[str, set[str]] = {}
    folder = ""
    for line in section.splitlines():
        if not line.startswith("|"):
            continue
        head = re.match(r"\| \*\*`chalicelib/(\w+)/`\*\*", line)
        if head:
            folder = head.group(1)
            continue
        if line.startswith("| **top level**"):
            folder = ""
            continue
        first = line.split("|")[1]
        out.setdefault(folder, set()).update(re.findall(r"`([\w/]+(?:\.py|/))`", first))
    return out


def test_every_module_is_on_the_map_under_its_folder() -> None:
    on_map = listed(architecture())
    for folder, names in modules_by_folder().items():
        missing = names - on_map.get(folder, set())
        assert not missing, f"chalicelib/{folder}: {sorted(missing)} not on the README's map"


def test_the_map_names_no_module_that_is_gone() -> None:
    there = modules_by_folder()
    there.setdefault("", set()).add("app.py")
    for folder, names in listed(architecture()).items():
        gone = {n for n in names if n.endswith(".py") or folder} - there.get(folder, set())
        assert not gone, f"chalicelib/{folder}: the map lists {sorted(gone)}, which do not exist"
