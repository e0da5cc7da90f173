"""Finds what a user should never read on a Chinese page: a code in place of its name.

`raw_codes(html, vocabulary)` strips the page to the text a user reads (not `<script>`, `<style>`,
attributes, nor `<code>`, `<pre>`, `<kbd>`, `<samp>`, `<textarea>`: code shown as code, on purpose,
such as a rule's expression in the rule editor) and reports:

- a measure code (`T14`) without its name right after it (`T14 控辍保学`) or right before it;
- a category or block code (`low_income`), a parameter (`$adult_age`, `adult_age`), an audit action
  (`children.register`), a persona's user name (`supervisor_a`) or any other snake_case word (one
  followed by its Chinese name in brackets, `birth_date（出生日期）`, names an import file's column);
- a reporting period's key (`2026Q3`) instead of its name (2026年第三季度);
- a region's 12-digit code without the region's name near it;
- English prose (three English words in a row).

Used by the persona walk (`tests/test_persona_walk.py`, every page each persona is shown), the
browser layout walk and `scripts/screenshots.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

HIDDEN = {"script", "style", "code", "pre", "kbd", "samp", "textarea", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
MEASURE = re.compile(r"(?<![A-Za-z0-9_])T\d\d(?![0-9A-Za-z_])")
SNAKE = re.compile(r"(?<![A-Za-z0-9_$.-])\$?[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_-])")
DOTTED = re.compile(r"(?<![A-Za-z0-9_./])[a-z][a-z_]*\.[a-z][a-z_]*(?![A-Za-z0-9_./])")
PARAMETER = re.compile(r"\$[a-z][a-z0-9_]*")
PERIOD_KEY = re.compile(r"(?<![0-9A-Za-z])(?:19|20|21)\d\d(?:Q[1-4]|M\d\d?|H[12])(?![0-9A-Za-z])")
REGION_CODE = re.compile(r"(?<!\d)\d{12}(?!\d)")
NAMED_AFTER = re.compile(r"（[\u4e00-\u9fff]")
ENGLISH = re.compile(r"(?<![A-Za-z0-9_.-])[A-Za-z][a-z]+(?:[ ,;:']+[A-Za-z][a-z]+){2,}(?![A-Za-z0-9_-])")
FILE_SUFFIXES = {"md", "txt", "csv", "jsonl", "xlsx", "xls", "docx", "doc", "pdf", "png", "jpg", "jpeg", "json", "html"}
NEAR = 24  # characters around a region code in which its name must appear


@dataclass(frozen=True)
class Vocabulary:
    """What the database calls things: measure names by code, other rule codes, parameter names,
    user names (login), region names by code."""

    measures: dict[str, str] = field(default_factory=dict)
    codes: frozenset[str] = frozenset()
    parameters: frozenset[str] = frozenset()
    usernames: frozenset[str] = frozenset()
    regions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_database(cls) -> Vocabulary:
        from shouhu.accounts.models import User
        from shouhu.eligibility.models import Parameter, Rule, RuleKind
        from shouhu.regions.models import Region

        rules = list(Rule.objects.values_list("code", "label", "kind"))
        return cls(
            measures={code: label for code, label, kind in rules if kind == RuleKind.MEASURE},
            codes=frozenset(code for code, _label, kind in rules if kind != RuleKind.MEASURE),
            parameters=frozenset(Parameter.objects.values_list("name", flat=True)),
            usernames=frozenset(User.objects.values_list("username", flat=True)),
            regions=dict(Region.objects.values_list("code", "name")),
        )


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            self.parts.append(" ")
            return
        self.stack.append(tag)
        if tag in HIDDEN:
            self.hidden += 1
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or tag not in self.stack:
            return
        while self.stack:
            opened = self.stack.pop()
            if opened in HIDDEN:
                self.hidden -= 1
            if opened == tag:
                break
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _around(text: str, start: int, end: int, width: int = 30) -> str:
    return text[max(0, start - width) : end + width]


def raw_codes(html: str, vocabulary: Vocabulary) -> list[str]:
    """What is wrong on the page, each with the text around it."""
    text = visible_text(html)
    found: list[str] = []

    def report(kind: str, match: re.Match[str]) -> None:
        found.append(f"{kind} {match.group()!r}: …{_around(text, match.start(), match.end())}…")

    for match in MEASURE.finditer(text):
        name = vocabulary.measures.get(match.group())
        after = text[match.end() :].lstrip(" ·:：")
        before = text[: match.start()].rstrip(" ·（(")
        if not name or not (after.startswith(name) or before.endswith(name)):
            report("measure code without its name", match)
    for match in PARAMETER.finditer(text):
        report("rule parameter", match)
    for match in SNAKE.finditer(text):
        word = match.group().lstrip("$")
        if match.group().startswith("$"):
            continue  # reported above
        if word in vocabulary.parameters:
            report("rule parameter", match)
        elif word in vocabulary.codes:
            report("category code", match)
        elif word in vocabulary.usernames:
            report("user name for a person", match)
        elif not NAMED_AFTER.match(text, match.end()):  # `birth_date（出生日期）`: a file's column, named
            report("snake_case code", match)
    for match in DOTTED.finditer(text):
        if match.group().rsplit(".", 1)[1] not in FILE_SUFFIXES:
            report("dotted code (an audit action or a fact)", match)
    for match in re.finditer(r"(?<![A-Za-z0-9_-])[a-z]+(?![A-Za-z0-9_-])", text):
        word = match.group()
        if word in vocabulary.codes or (word in vocabulary.usernames and word not in {"a", "i"}):
            kind = "category code" if word in vocabulary.codes else "user name for a person"
            report(kind, match)
    for match in PERIOD_KEY.finditer(text):
        report("period key", match)
    for match in REGION_CODE.finditer(text):
        name = vocabulary.regions.get(match.group())
        if name is not None and name not in _around(text, match.start(), match.end(), NEAR):
            report("region code without its name", match)
    for match in ENGLISH.finditer(text):
        report("English text", match)
    return found
