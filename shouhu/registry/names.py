"""Names in pinyin for search: the surname reading and the everyday reading, and how a typed query
is brought to the same form.

A surname often reads differently from the same character elsewhere: 朴 piáo (common among the
county's Korean families; pǔ otherwise), 曾 zēng (céng), 单 shàn (dān), 解 xiè (jiě), 仇 qiú (chóu),
尉迟 yù chí … pypinyin has no surname mode, so the readings come from the surname table of
pinyin-pro (MIT, maintained), checked in as data (`data/surname_readings.json`, refreshed by
`scripts/update-surname-readings.sh`). A child is indexed under both readings — the surname's
(`Child.name_pinyin` / `name_initials`, also the lists' order) and the everyday one of the whole
name (`name_pinyin_common` / `name_initials_common`) — so whichever a user types finds the child.

Both are folded the same way as queries (`fold_query`): lower case, no spaces, and ü written u
(pypinyin writes 吕 `lv`; people type lv, lu or lü), so `lv`, `lu` and `lü` all find 吕. A
compound (Manchu) surname written with a middle dot (爱新觉罗·恒) reads as one name: the dot, in
any of its forms (`MIDDLE_DOTS`), is not part of the pinyin, and the Chinese-name search ignores it
(`strip_dots`).
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from pypinyin import lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal

SURNAME_READINGS_FILE = Path(__file__).parent / "data" / "surname_readings.json"
# The middle dot of minority and foreign names and the characters typed for it: U+00B7 (the
# standard's), U+2022 bullet, U+2027 hyphenation point, U+30FB katakana middle dot, U+FF65 its
# half-width form, U+22C5 dot operator, U+2219 bullet operator, U+FF0E full-width full stop.
MIDDLE_DOTS = "·•‧・･⋅∙．"
_NO_DOTS = str.maketrans("", "", MIDDLE_DOTS)


class NameReadings(NamedTuple):
    pinyin: str  # the surname's reading, then the given name: 曾小明 → zengxiaoming
    initials: str  # zxm
    pinyin_common: str  # the everyday reading of every character: cengxiaoming
    initials_common: str  # cxm


def strip_dots(text: str) -> str:
    """The text without middle dots (爱新觉罗·恒 → 爱新觉罗恒)."""
    return text.translate(_NO_DOTS)


def fold(syllable: str) -> str:
    """Lower case, ü (pypinyin's v) as u: how syllables are stored and queries compared."""
    return syllable.lower().replace("ü", "u").replace("v", "u")


def fold_query(query: str) -> str:
    """A typed pinyin query in the stored form: no spaces or apostrophes, lower case, v/ü as u
    (`Lü Xiao` → `luxiao`). Pinyin has no v of its own, so folding it loses nothing."""
    return fold("".join(query.split()).replace("'", "").replace("’", ""))


@cache
def surname_readings() -> dict[str, tuple[str, ...]]:
    """Surname → its syllables as a surname, folded (朴 → ("piao",), 尉迟 → ("yu", "chi"))."""
    data = json.loads(SURNAME_READINGS_FILE.read_text(encoding="utf-8"))
    return {name: tuple(fold(to_normal(s)) for s in reading.split()) for name, reading in data["readings"].items()}


def _syllables(text: str) -> list[str]:
    return [fold(s) for s in lazy_pinyin(text, errors="ignore") if s]


def _surname_syllables(name: str) -> list[str] | None:
    """The syllables of `name` read with its surname's reading, or None when the table does not
    know its surname (or it reads as usual). Compound surnames (two characters) first."""
    readings = surname_readings()
    for length in (2, 1):
        surname = name[:length]
        if len(surname) == length and surname in readings:
            return [*readings[surname], *_syllables(name[length:])]
    return None


@lru_cache(maxsize=1 << 18)
def name_readings(name: str) -> NameReadings:
    """Both readings of a child's name, folded (see the module's docstring). An initial is the
    first letter of its syllable (so 张小明 → zxm, as pypinyin's first-letter style)."""
    plain = strip_dots(name.strip())
    common = _syllables(plain)
    as_surname = _surname_syllables(plain) or common
    return NameReadings(
        "".join(as_surname), "".join(s[0] for s in as_surname), "".join(common), "".join(s[0] for s in common)
    )
