"""`shouhu screen`: exchange-format files by both engines (byte-identical output, each kind of
invalid record reported with its line, non-zero exit), and the registry (`--all`): results stored,
a second run records no changes, a change to a child shows as gained / lost."""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from shouhu.accounts.models import User
from shouhu.eligibility.models import ChangeKind, Eligibility, EligibilityChange, RunState, ScreeningRun
from shouhu.registry import services
from shouhu.registry.selectors import situation_on
from shouhu.registry.tests.example import EXAMPLE, example

from .eligibility_factories import register

pytestmark = pytest.mark.django_db
AS_OF = "2026-11-28"
EXPECTED_EXAMPLE = {
    "id_number": "210522201503150015",
    "as_of": AS_OF,
    "categories": ["de_facto_unsupported", "disabled", "in_difficulty", "low_income", "severely_disabled"],
    "measures": ["T01", "T02", "T05", "T06", "T07", "T09", "T10", "T24"],
}


def no_id(**changes: Any) -> dict[str, Any]:
    return example(id_number=None, no_id_reason="尚未登记户口", **changes)


# (line content, expected error fragment or None for a valid record)
LINES: list[tuple[str, str | None]] = [
    (json.dumps(EXAMPLE, ensure_ascii=False), None),
    # Edge cases, all valid: the 7th birthday on the as-of date (T21 no longer), the eve of it,
    # lost contact exactly 6 months at a month end, a missing parent, an 18-year-old.
    (json.dumps(no_id(name="七岁生日", birth_date="2019-11-28")), None),
    (json.dumps(no_id(name="七岁前夜", birth_date="2019-11-29")), None),
    (
        json.dumps(
            no_id(
                name="失联",
                parents=[
                    {"role": "father", "status": "declared_missing"},
                    {"role": "mother", "status": "lost_contact", "since": "2026-05-28"},
                ],
            )
        ),
        None,
    ),
    (json.dumps(no_id(name="缺父母", parents=[{"role": "father", "status": "deceased"}])), None),
    (json.dumps(no_id(name="成年", birth_date="2008-11-28")), None),
    ("", None),  # blank lines are skipped, not errors
    # Invalid: each kind of error in the contract.
    (json.dumps(example(hobby="football")), "「hobby」是未知字段"),
    (json.dumps(example(id_number="210522201503150016")), "「id_number」"),
    (json.dumps(no_id(birth_date="2015-02-30")), "「birth_date」2015-02-30 不是有效日期"),
    (json.dumps(example(sex="female")), "「sex」female 与身份证号中的性别（男）不一致"),
    (json.dumps(example(birth_date="2015-03-16")), "「birth_date」2015-03-16 与身份证号中的出生日期 2015-03-15 不一致"),
    (json.dumps(no_id(parents=[{"role": "mother", "status": "lost_contact"}])), "「parents[0].since」不能为空"),
    (json.dumps(no_id(living_arrangement="hotel")), "「living_arrangement」取值 'hotel' 无效"),
    (json.dumps(no_id(disability={"type": "hearing", "grade": 5})), "「disability.grade」等级应为 1–4 的整数"),
    (json.dumps(no_id(region_code="210522999999")), "「region_code」区划代码 210522999999 不存在"),
    ('{"id_number": "210522201503150015", "name": ', "不是有效的 JSON"),
]


def write_input(tmp_path: Path) -> Path:
    source = tmp_path / "children.jsonl"
    source.write_text("\n".join(line for line, _ in LINES) + "\n", encoding="utf-8")
    return source


def screen_file(source: Path, target: Path, engine: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError, match="10 条记录无效"):
        call_command("screen", input=source, output=target, as_of=AS_OF, engine=engine, stdout=out)
    return out.getvalue()


def test_both_engines_give_identical_output_and_report_every_kind_of_error(tmp_path: Path) -> None:
    source = write_input(tmp_path)
    memory, database = tmp_path / "memory.jsonl", tmp_path / "database.jsonl"
    assert "已筛查 6 条，无效 10 条" in screen_file(source, memory, "memory")
    screen_file(source, database, "database")
    assert memory.read_bytes() == database.read_bytes()

    results = [json.loads(line) for line in memory.read_text(encoding="utf-8").splitlines()]
    assert len(results) == 16
    first = results[0]
    assert {k: first[k] for k in EXPECTED_EXAMPLE} == EXPECTED_EXAMPLE
    assert first["explanations"]["T01"] == "事实无人抚养儿童：父亲死亡，母亲服刑 2024-01-01 至 2030-06-30（满 6 个月）"
    birthday, eve, lost, missing, adult = results[1:6]
    assert "T21" not in birthday["measures"] and "T21" in eve["measures"]  # 7 on the day vs 6 on the eve
    assert "de_facto_unsupported" in lost["categories"]  # 2026-05-28 + 6 months = 2026-11-28
    # A parent missing from the list is not recorded (v2): not an orphan, and it says what is missing.
    assert "orphan" not in missing["categories"]
    assert missing["undetermined"]["orphan"] == ["parents.mother"]
    assert adult["categories"] == [] and adult["measures"] == [] and adult["explanations"] == {}
    assert adult["undetermined"] == {}  # an adult is decided: no category or measure
    assert first["undetermined"] == {}

    errors = results[6:]
    expected = [(n, fragment) for n, (_line, fragment) in enumerate(LINES, start=1) if fragment]
    assert [e["line"] for e in errors] == [n for n, _ in expected]
    for error, (_n, fragment) in zip(errors, expected, strict=True):
        assert set(error) == {"line", "errors"}
        assert any(fragment in message for message in error["errors"]), (fragment, error)


def test_invalid_records_make_the_exit_code_non_zero(tmp_path: Path) -> None:
    """The real console command, in its own process, on a scratch database of the suite's kind."""
    from shouhu.core.testing.processes import scratch_database, shouhu_process

    township = "210522100000"  # loaded by the regions migration (villages are demo data)
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(json.dumps(no_id(region_code=township)) + "\n{not json\n", encoding="utf-8")
    with scratch_database(tmp_path, migrated=True) as url:
        args = ["screen", "--input", str(source), "--output", str(target), "--as-of", AS_OF]
        failing = shouhu_process(args, url)
        output, _ = failing.communicate(timeout=120)
        assert failing.returncode == 1, output
        assert "1 条记录无效" in output
        results = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        assert results[0]["measures"] == EXPECTED_EXAMPLE["measures"]  # the valid one was still screened
        assert results[1]["line"] == 2 and "不是有效的 JSON" in results[1]["errors"][0]

        source.write_text(json.dumps(no_id(region_code=township)) + "\n", encoding="utf-8")
        passing = shouhu_process(args, url)
        output, _ = passing.communicate(timeout=120)
        assert passing.returncode == 0, output


def test_file_screening_never_touches_the_registry(tmp_path: Path) -> None:
    valid = tmp_path / "valid.jsonl"
    valid.write_text(json.dumps(EXAMPLE, ensure_ascii=False) + "\n", encoding="utf-8")
    call_command(
        "screen", input=valid, output=tmp_path / "o.jsonl", as_of=AS_OF, engine="database", stdout=io.StringIO()
    )
    from shouhu.registry.models import Child

    assert not Child.objects.exists() and not ScreeningRun.objects.exists()


def test_bad_arguments_are_explained() -> None:
    with pytest.raises(CommandError, match="不是有效日期"):
        call_command("screen", all=True, as_of="2026-02-30")
    with pytest.raises(CommandError, match="区划代码 210522999999 不存在"):
        call_command("screen", all=True, region="210522999999")
    with pytest.raises(CommandError, match="请使用 --all"):
        call_command("screen")


def test_screening_the_registry_stores_results_and_records_changes(personas: dict[str, User]) -> None:
    as_of = datetime.date(2026, 11, 28)
    child = register(
        name="低保残疾",
        birth_date="2015-03-15",
        household={"low_income": True},
        disability={"type": "hearing", "grade": 3},
        schooling={"stage": "primary", "enrolled": True},
    )
    out = io.StringIO()
    call_command("screen", all=True, as_of=as_of.isoformat(), stdout=out)
    first = ScreeningRun.objects.get()
    assert first.state == RunState.DONE and first.children_screened == 1
    assert f"筛查 #{first.pk} 完成：1 名儿童" in out.getvalue()
    stored = set(Eligibility.objects.filter(child=child, until__isnull=True).values_list("code", flat=True))
    assert {"low_income", "disabled", "in_difficulty", "T02", "T06", "T07", "T09", "T24"} <= stored
    assert "T04" not in stored
    assert EligibilityChange.objects.filter(run=first, change=ChangeKind.GAINED).count() == len(stored)

    call_command("screen", all=True, as_of=as_of.isoformat(), stdout=io.StringIO())
    second = ScreeningRun.objects.latest("pk")
    assert (second.gained, second.lost) == (0, 0) and not EligibilityChange.objects.filter(run=second).exists()

    # The household leaves 低保: the next run shows what was lost and what was gained.
    record = replace(situation_on(child, as_of), low_income=False)
    services.child_update(
        actor=personas["caseworker"],
        child=child,
        record=record,
        expected_version=child.version,
        effective=datetime.date(2026, 11, 1),
    )
    call_command("screen", all=True, as_of=as_of.isoformat(), region="210522100000", stdout=io.StringIO())
    third = ScreeningRun.objects.latest("pk")
    changes = set(EligibilityChange.objects.filter(run=third).values_list("code", "change"))
    lost = {(code, "lost") for code in ("low_income", "T02", "T07", "T09", "T10")}
    assert changes == lost | {("T04", "gained")}
    ended = Eligibility.objects.get(child=child, code="T02")
    assert (ended.until, ended.ended_by_id, ended.found_by_id) == (as_of, third.pk, first.pk)
    assert Eligibility.objects.get(child=child, code="T04", until__isnull=True).found_by_id == third.pk
