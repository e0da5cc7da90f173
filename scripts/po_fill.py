"""Fill empty msgstr entries of a .po file from a JSON dictionary {msgid: msgstr}.

Used to maintain the English catalogue: `make messages` extracts, translations live in
shouhu/locale/en/translations.json (reviewable), this script applies them, compilemessages builds
the .mo. Entries with no translation stay empty (Django then shows the Chinese source text).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ENTRY = re.compile(r'(msgid (?:"(?:[^"\\]|\\.)*"\n)+)(msgstr "")\n(?!")', re.M)


def unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(po_path: Path, translations: dict[str, str]) -> tuple[int, int]:
    text = po_path.read_text(encoding="utf-8")
    filled = missing = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal filled, missing
        msgid = unquote(match.group(1)[len("msgid ") :])
        if msgid and msgid in translations:
            filled += 1
            return f"{match.group(1)}msgstr {quote(translations[msgid])}\n"
        if msgid:
            missing += 1
        return match.group(0)

    po_path.write_text(ENTRY.sub(replace, text), encoding="utf-8")
    return filled, missing


if __name__ == "__main__":
    po, dictionary = Path(sys.argv[1]), Path(sys.argv[2])
    done, left = fill(po, json.loads(dictionary.read_text(encoding="utf-8")))
    print(f"translated {done}, untranslated {left}")
