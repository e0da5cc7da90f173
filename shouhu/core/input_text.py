"""What typed or imported text may contain: the one check of person names, and of any text.

A person's name (a child's, an applicant's, a user's) may not contain a character nobody can see
or type on purpose: control characters (NUL, tab, newline, DEL, C1), format characters (zero-width
spaces and joiners U+200B–U+200F, U+2060, the byte-order mark U+FEFF, bidi controls U+202A–U+202E
and U+2066–U+2069, soft hyphen…), line and paragraph separators, lone surrogates. A name made of
them only looks empty on every page yet is not, and two children with "the same" name would not
be found as duplicates. Letters and punctuation of every script stay allowed, including the
middle dot of Manchu and other compound names (爱新觉罗·恒, U+00B7), private-use characters
(rare name characters are still typed with GB 18030's private-use mapping) and characters newer
than Python's Unicode tables.

Any other text (a reason, a note) may hold tabs and newlines, but never NUL (PostgreSQL refuses it
in text) nor a lone surrogate (it cannot be encoded as UTF-8, so no database can store it).

Used by the exchange format (`registry.exchange.format.parse_record`: forms, imports and the API
of children), the forms of users and intakes, and the API's reading of bodies (`api/bodies.py`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from django.core.exceptions import ValidationError

# Unicode general categories never in a name: control, format, surrogate, line and paragraph separator.
_HIDDEN_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))


def _code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def hidden_character(value: str) -> str | None:
    """The first invisible or control character of `value`, or None."""
    if value.isprintable():  # the usual case, in C: no Cc, Cf, Cs, Zl, Zp (nor other spaces than " ")
        return None
    for char in value:
        if unicodedata.category(char) in _HIDDEN_CATEGORIES:
            return char
    return None


def person_name_problem(value: str) -> str | None:
    """Why `value` is not a name ("含有不可见或控制字符（U+200B）"), or None; the caller names the field."""
    char = hidden_character(value)
    return None if char is None else f"含有不可见或控制字符（{_code_point(char)}）"


def text_problem(value: str) -> str | None:
    """Why no database could store `value` (NUL, a lone surrogate), or None."""
    if "\x00" in value:
        return "含有空字符（U+0000）"
    if value.isprintable():
        return None
    for char in value:
        if unicodedata.category(char) == "Cs":
            return f"含有无法编码的字符（{_code_point(char)}）"
    return None


def person_name_validator(label: str) -> Callable[[str], None]:
    """A form field validator refusing a name with a hidden character, naming the field: 「姓名」含有…"""

    def validate(value: str) -> None:
        problem = person_name_problem(value)
        if problem:
            raise ValidationError(f"「{label}」{problem}", code="hidden_character")

    return validate
