"""Fill empty msgstr entries of a .po file from a JSON dictionary {msgid: msgstr}.

Used to maintain the English catalogue: `make messages` extracts, translations live in
shouhu/locale/en/translations.json (reviewable), this script applies them, compilemessages builds
the .mo. Entries with no translation stay empty (Django then shows the Chinese source text).

A plural entry (msgid_plural, msgstr[0]/msgstr[1]) takes a two-item list ["singular", "plural"].
An entry that makemessages marked fuzzy (a guess from a similar msgid, which compilemessages
ignores) is overwritten from the dictionary and loses its fuzzy flag; a fuzzy entry with no
dictionary translation is left as it is and counted as untranslated.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ENTRY = re.compile(r'(msgid (?:"(?:[^"\\]|\\.)*"\n)+)(msgstr "")\n(?!")', re.M)
PLURAL = re.compile(
    r'(msgid (?:"(?:[^"\\]|\\.)*"\n)+)(msgid_plural (?:"(?:[^"\\]|\\.)*"\n)+)'
    r'((?:msgstr\[\d+\] (?:"(?:[^"\\]|\\.)*"\n)+)+)',
    re.M,
)
MSGSTR = re.compile(r'(msgstr(?:\[\d+\])? )((?:"(?:[^"\\]|\\.)*"\n?)+)')
FUZZY = re.compile(r"^#,.*\bfuzzy\b.*$", re.M)
PREVIOUS = re.compile(r"^#\| .*\n", re.M)
Translation = str | list[str]


def unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _unfuzz(comments: str) -> str:
    """Drop the fuzzy flag (keeping other flags) and the #| previous-msgid lines."""

    def flags(match: re.Match[str]) -> str:
        rest = [f.strip() for f in match.group(0)[2:].split(",") if f.strip() != "fuzzy"]
        return "#, " + ", ".join(rest) if rest else ""

    comments = PREVIOUS.sub("", FUZZY.sub(flags, comments))
    return re.sub(r"\n{2,}", "\n", comments).lstrip("\n")


def _fill_entry(entry: str, translations: dict[str, Translation]) -> tuple[str, str]:
    """Return (new entry text, outcome) with outcome one of "filled", "missing", "" (nothing)."""
    fuzzy = bool(FUZZY.search(entry))
    plural = PLURAL.search(entry)
    if plural:
        msgid = unquote(plural.group(1)[len("msgid ") :])
        strs = [unquote(m.group(2)) for m in MSGSTR.finditer(plural.group(3))]
        if not msgid or (all(strs) and not fuzzy):
            return entry, ""
        value = translations.get(msgid)
        if not (isinstance(value, list) and len(value) == 2 and all(value)):
            return entry, "missing"
        forms = "".join(f"msgstr[{i}] {quote(value[min(i, 1)])}\n" for i in range(len(strs)))
        head = entry[: plural.start()]
        entry = (_unfuzz(head) if fuzzy else head) + plural.group(1) + plural.group(2) + forms
        return entry + "\n" if not entry.endswith("\n") else entry, "filled"
    if fuzzy:
        match = re.search(r'(msgid (?:"(?:[^"\\]|\\.)*"\n)+)(msgstr (?:"(?:[^"\\]|\\.)*"\n?)+)', entry)
        if not match:
            return entry, ""
        msgid = unquote(match.group(1)[len("msgid ") :])
        if not msgid:  # the header stays fuzzy, as makemessages writes it
            return entry, ""
        value = translations.get(msgid)
        if not isinstance(value, str) or not value:
            # An empty msgstr is counted by the plain pass in fill(); a guessed one is counted here.
            return entry, "missing" if unquote(match.group(2)[len("msgstr ") :]) else ""
        return f"{_unfuzz(entry[: match.start()])}{match.group(1)}msgstr {quote(value)}\n", "filled"
    return entry, ""


def fill(po_path: Path, translations: dict[str, Translation]) -> tuple[int, int]:
    text = po_path.read_text(encoding="utf-8")
    filled = missing = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal filled, missing
        msgid = unquote(match.group(1)[len("msgid ") :])
        value = translations.get(msgid)
        if msgid and isinstance(value, str) and value:
            filled += 1
            return f"{match.group(1)}msgstr {quote(value)}\n"
        if msgid:
            missing += 1
        return match.group(0)

    # Plural and fuzzy entries first, entry by entry (entries are separated by blank lines).
    entries = []
    for entry in text.split("\n\n"):
        if "msgid_plural " in entry or FUZZY.search(entry):
            entry, outcome = _fill_entry(entry if entry.endswith("\n") else entry + "\n", translations)
            entry = entry[:-1] if entry.endswith("\n") else entry
            filled += outcome == "filled"
            missing += outcome == "missing"
        entries.append(entry)
    text = "\n\n".join(entries)
    if not text.endswith("\n"):
        text += "\n"

    po_path.write_text(ENTRY.sub(replace, text), encoding="utf-8")
    return filled, missing


if __name__ == "__main__":
    po, dictionary = Path(sys.argv[1]), Path(sys.argv[2])
    done, left = fill(po, json.loads(dictionary.read_text(encoding="utf-8")))
    print(f"translated {done}, untranslated {left}")
