"""Rules reviewed like code: a content hash per version, recorded in the rules file's changelog.

    python -m triage.versioning      # prints the version and the hash to record for it

The hash covers what decides a priority: rules.toml without its changelog (parsed, so comments
and layout do not count), phrases.toml (Punjabi, Urdu, Bengali), lexicon.toml, and model.json. A change to any of them needs a new
`version` and a `[[changelog]]` entry naming the change, its author and its clinical reviewer.
A version superseded while still PENDING must be named in the newer entry's `review_includes`.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path

from triage.floor import LEXICON_PATH
from triage.model import MODEL_PATH
from triage.rules import PHRASES_PATH, RULES_PATH

PENDING = "PENDING"  # allowed only on the newest entry: a version awaiting its clinical review
_CALVER = re.compile(r"\d{4}\.\d{2}\.\d+")


def _toml(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def content_hash(rules: Path = RULES_PATH, lexicon: Path = LEXICON_PATH, model: Path = MODEL_PATH) -> str:
    """sha256 of the rules (without the changelog), the lexicon and the model, as hex."""
    data = {k: v for k, v in _toml(rules).items() if k != "changelog"}
    digest = hashlib.sha256()
    parts = (data, _toml(lexicon)) if not PHRASES_PATH.exists() else (data, _toml(lexicon), _toml(PHRASES_PATH))
    for part in parts:
        digest.update(json.dumps(part, ensure_ascii=False, sort_keys=True).encode())
    digest.update(model.read_bytes() if model.exists() else b"")
    return digest.hexdigest()


def _calver(version: str) -> tuple[int, ...]:
    if not _CALVER.fullmatch(version):
        raise ValueError(f"version {version!r} is not CalVer YYYY.MM.N")
    return tuple(int(p) for p in version.split("."))


def check(rules: Path = RULES_PATH, lexicon: Path = LEXICON_PATH, model: Path = MODEL_PATH) -> None:
    """Raise ValueError unless the current version's changelog entry records the current content."""
    data = _toml(rules)
    version, log = data["version"], data.get("changelog", [])
    if not log or log[-1].get("version") != version:
        raise ValueError(f"no [[changelog]] entry for version {version} (it must be the last one)")
    versions = [_calver(entry["version"]) for entry in log]
    if versions != sorted(set(versions)):
        raise ValueError("changelog versions must be unique and in increasing order")
    for entry in log:
        if not entry.get("changes") or not entry.get("author") or not entry.get("reviewed_by"):
            raise ValueError(f"changelog {entry['version']}: needs changes, author and reviewed_by")
    for i, entry in enumerate(log[:-1]):
        # A version still awaiting review may be superseded only by one whose review explicitly takes it in:
        # the clinician who signs the newer version signs for both, and nothing unreviewed slips by unnamed.
        later = {v for e in log[i + 1 :] for v in e.get("review_includes", ())}
        if entry["reviewed_by"].startswith(PENDING) and entry["version"] not in later:
            raise ValueError(f"changelog {entry['version']}: superseded before its clinical review")
    if log[-1].get("content_sha256") != content_hash(rules, lexicon, model):
        raise ValueError(
            f"the rules, lexicon or model changed without a new version (still {version}): bump `version`, add a "
            "[[changelog]] entry and record `python -m triage.versioning` in its content_sha256"
        )


def review_state(rules: Path = RULES_PATH) -> list[dict]:
    """Each version of the changelog, newest first, with who reviewed it or what review it awaits."""
    log = _toml(rules).get("changelog", [])
    included_in = {v: e["version"] for e in log for v in e.get("review_includes", ())}
    state = []
    for entry in reversed(log):
        pending = entry["reviewed_by"].startswith(PENDING)
        state.append({
            "version": entry["version"], "date": entry.get("date", ""), "author": entry["author"],
            "reviewed_by": entry["reviewed_by"], "pending": pending, "changes": list(entry["changes"]),
            "review_includes": list(entry.get("review_includes", ())),
            "reviewed_with": included_in.get(entry["version"]) if pending else None,
        })
    return state


def main() -> None:
    """Print the version and the hash to record in its changelog entry."""
    print(f'version = "{_toml(RULES_PATH)["version"]}"\ncontent_sha256 = "{content_hash()}"')


if __name__ == "__main__":
    main()
