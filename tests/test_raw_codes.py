"""No raw codes on a Chinese page: every page the persona walk reaches with 200, as every persona
that reaches it, read as text (`shouhu.core.testing.raw_codes`): no measure code without its name,
no category code, rule parameter, audit action, login name for a person, period key, region code
without its name, and no English prose.

Reuses the persona walk's samples and its `walk` fixture (the samples' objects and one logged-in
client per persona, made once per stretch of tests in a rolled-back transaction): one test per URL
name, so the walk spreads over the xdist workers (conftest.py, SPREAD_MODULES)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shouhu.accounts.personas import PERSONA_KEYS
from shouhu.core.testing.raw_codes import Vocabulary, raw_codes, visible_text

from .test_persona_walk import (  # noqa: F401  (walk: the persona walk's fixture, used here too)
    PAGE_ROUTES,
    PAGE_SAMPLES,
    _check,
    _request,
    _rolled_back,
    expected_status,
    walk,
)

GET_ROUTES = [name for name in PAGE_ROUTES if any(s.method == "get" for s in PAGE_SAMPLES[name])]


def _pages(name: str, walk: Any) -> list[tuple[str, str, Any]]:  # noqa: F811
    """(persona, url, response) for each GET sample each persona may open."""
    found = []
    for route in PAGE_ROUTES[name]:
        for sample in PAGE_SAMPLES[name]:
            if sample.method != "get":
                continue
            url = reverse(route.name, kwargs=sample.resolve_kwargs(walk.ctx))
            for key in PERSONA_KEYS:
                expected = expected_status(route.callback.access_rule, walk.personas[key], sample)
                if not _check(200, expected):
                    continue
                response = _rolled_back(lambda: _request(walk.client(key), sample, url, walk.ctx))  # noqa: B023
                if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                    found.append((key, url + (f"?{sample.query}" if sample.query else ""), response))
    return found


@pytest.mark.parametrize("name", GET_ROUTES)
def test_page_shows_names_not_codes(name: str, walk: Any, db: None) -> None:  # noqa: F811
    vocabulary = Vocabulary.from_database()
    problems = []
    for key, url, response in _pages(name, walk):
        for problem in raw_codes(response.content.decode(), vocabulary):
            problems.append(f"{key} {url}: {problem}")
    assert problems == [], "\n".join(problems)


def test_the_scanner_finds_what_the_issue_names() -> None:
    vocabulary = Vocabulary(
        measures={"T14": "控辍保学"},
        codes=frozenset({"low_income", "orphan"}),
        parameters=frozenset({"adult_age"}),
        usernames=frozenset({"supervisor_a"}),
        regions={"210522100201": "东关村"},
    )
    bad = (
        "<p>T14</p><p>低保家庭儿童 low_income</p><p>孤儿 orphan</p><p>$adult_age = 18</p><p>supervisor_a 提交</p>"
        "<p>children.register</p><p>2026Q3</p><p>户籍地代码 210522100201</p><p>not a department at all</p>"
    )
    kinds = [p.split(" '")[0] for p in raw_codes(bad, vocabulary)]
    assert kinds == [
        "measure code without its name",
        "rule parameter",
        "category code",
        "user name for a person",
        "dotted code (an audit action or a fact)",
        "category code",
        "period key",
        "region code without its name",
        "English text",
    ]
    good = (
        "<p>T14 控辍保学</p><p>低保家庭儿童</p><p>成年年龄 18</p><p>孙督导 提交</p><p>2026年第三季度</p>"
        "<p>东关村 210522100201</p><p><code>low_income</code> <code>$adult_age</code></p><p>Excel 文件 rules.md</p>"
    )
    assert raw_codes(good, vocabulary) == []
    assert visible_text("<p>a<code>b</code>c</p><script>d</script>") == "a c"
