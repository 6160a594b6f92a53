"""Recording a benchmark's figures in bench/README.md: one section per benchmark, replaced in place."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def write_section(heading: str, body: str) -> None:
    """Add or replace the section that starts with `heading`, leaving the rest of the file alone."""
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _: body + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + body
    README.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
