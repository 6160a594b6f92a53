"""Time triage.classify per message over the labelled corpus, against a plain substring scan.

    .venv/bin/python -m bench.bench_triage [--rounds 40] [--write-readme]

Each message is timed on its own with time.perf_counter_ns, `rounds` times over the whole corpus;
the table gives the median and the 99th percentile per message. Three paths:
(a) classify with warm caches (the steady state of a running server: words repeat across messages),
(b) classify with its word caches emptied before every call (every word seen for the first time),
(c) the baseline: any(p in text.lower() for p in all_phrases) over the same phrases, which has no
    normalisation, word boundaries, typos, negation, priorities or specialty.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "triage" / "corpus.tsv"
README = ROOT / "bench" / "README.md"
HEADING = "## Triage classify"
COMMAND = "cd /work/main && .venv/bin/python -m bench.bench_triage --write-readme"


def load_messages() -> list[str]:
    """The corpus texts."""
    with CORPUS.open(encoding="utf-8", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]


def time_per_message(fn: Callable[[str], object], messages: list[str], rounds: int, before=None) -> list[int]:
    """Nanoseconds of every single call of fn, `rounds` passes over the messages."""
    samples = []
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for text in messages:
            if before:
                before()
            start = clock()
            fn(text)
            samples.append(clock() - start)
    return samples


def summary(samples: list[int]) -> tuple[float, float]:
    """Median and 99th percentile in microseconds."""
    cuts = statistics.quantiles(samples, n=100)
    return statistics.median(samples) / 1000, cuts[98] / 1000


def main() -> None:
    """Run the three paths, print the table, optionally record it in bench/README.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    # Timed: loading and compiling the rules happens once, when the engine is first imported.
    from triage import RULES_VERSION, classify, engine
    from triage.normalize import fold_word

    load_ms = (time.perf_counter() - started) * 1000
    phrases = sorted({p.text.lower().replace("*", "") for p in engine.RULESET.phrases})
    messages = load_messages()

    def substring_scan(text: str) -> bool:
        lowered = text.lower()
        return any(p in lowered for p in phrases)

    def forget_words() -> None:
        engine.rule_words.cache_clear()
        fold_word.cache_clear()

    for text in messages:  # warm up caches and the interpreter's own
        classify(text)
        substring_scan(text)
    rows = [
        ("(a) classify, warm caches", summary(time_per_message(classify, messages, args.rounds))),
        (
            "(b) classify, caches emptied before each call",
            summary(time_per_message(classify, messages, max(1, args.rounds // 4), forget_words)),
        ),
        (
            "(c) substring scan `any(p in text.lower() ...)`",
            summary(time_per_message(substring_scan, messages, args.rounds)),
        ),
    ]
    base = rows[2][1]
    table = ["| path | median µs | p99 µs | median / (c) | p99 / (c) |", "|---|---:|---:|---:|---:|"]
    for name, (median, p99) in rows:
        table.append(f"| {name} | {median:.1f} | {p99:.1f} | {median / base[0]:.1f}x | {p99 / base[1]:.1f}x |")
    cpu = _cpu()
    body = "\n".join(
        [
            HEADING,
            "",
            f"`{COMMAND}` (bench/bench_triage.py).",
            "",
            f"{len(messages)} corpus messages (tests/triage/corpus.tsv; English, Devanagari Hindi, romanised Hindi),",
            f"each timed alone with `time.perf_counter_ns`; {args.rounds} rounds for (a) and (c),",
            f"{max(1, args.rounds // 4)} for (b). Rules {RULES_VERSION}: {len(engine.RULESET.rules)} rules and modifiers,",
            f"{len(engine.RULESET.phrases)} phrases; loading and compiling them at import took {load_ms:.0f} ms.",
            "(c) only says whether some phrase occurs somewhere; it has no word boundaries, typos, negation,",
            "priorities or specialty, so it is the floor, not a competitor.",
            "",
            *table,
            "",
            f"Machine: {cpu}, Python {platform.python_version()}, {date.today().isoformat()}.",
            "",
        ]
    )
    print(body)
    if args.write_readme:
        write_section(body)


def _cpu() -> str:
    """CPU model and count, as the other sections of bench/README.md give them."""
    try:
        models = [
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ]
    except OSError:
        models = []
    return f"nproc {os.cpu_count()} ({models[0] if models else platform.machine()}), one thread"


def write_section(body: str) -> None:
    """Add or replace the '## Triage classify' section of bench/README.md, leaving the rest alone."""
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _: body + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + body
    README.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
