"""No raw codes on a Chinese page. The pages themselves are read in the persona walk
(tests/test_persona_walk.py scans every page each persona is shown, as it walks it, so no page is
requested twice); here, that the scanner finds what it must: a measure code without its name, a
category code, a rule parameter, a login name for a person, an audit action, a period key, a
region code without its name and English prose."""

from __future__ import annotations

from shouhu.core.testing.raw_codes import Vocabulary, raw_codes, visible_text


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
