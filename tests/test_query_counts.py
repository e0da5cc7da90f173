"""List pages and list endpoints must not grow N+1 queries: a page that loads its rows one by one
slows down with every row the county adds.

Each case requests one list-like page (or API list) as a persona who sees its rows, with a few
rows (SMALL) and again after more rows were added (LARGE, with the related objects that would
each cost a query if the page loaded them one by one: referrals with their units and events,
children with their circumstances, runs with their results...). The number of queries must be
the same both times, and stay within the page's ceiling: the number it needs today (the same on
SQLite and PostgreSQL), so a new query on a list page is a decision, not an accident — raise the
ceiling in CASES when a page really needs one more.

When a case fails, the message lists the SQL that ran more often with more rows (or, over the
ceiling, every query). `QC_DUMP=1 pytest -s -k NAME` prints each case's queries."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum.cn import ric

from shouhu.access import acting_units
from shouhu.accounts.models import Department, Role, User
from shouhu.accounts.personas import DEPARTMENT_A, DEPARTMENT_B, TOWNSHIP_A, VILLAGE_A, VILLAGE_B
from shouhu.casework import services as casework
from shouhu.casework.models import IntakeKind, Referral
from shouhu.casework.tasks import sweep
from shouhu.casework.tests.helpers import benefit, import_table
from shouhu.regions.models import Region
from shouhu.registry import services as registry_services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child
from shouhu.registry.tests.example import example

SMALL = 3
LARGE = 12
COUNTY = "210522000000"
TABLE_TITLE = "计测：困境儿童保障工作重点任务分工表"
# Syllables for names that are unique within a test and have pinyin (all start with 计, "ji").
GIVEN = "安宝成德方光海华佳康乐明宁平庆瑞盛泰文祥欣永志忠"


def today() -> datetime.date:
    return timezone.localdate()


class World:
    """Rows of every kind, added n at a time; each `add_*` returns a text the page must show for
    the last row added (so a page that shows nothing cannot pass)."""

    def __init__(self, personas: dict[str, User]) -> None:
        self.personas = personas
        self.serial = 0
        self.ctx: dict[str, Any] = {}

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def name(self, i: int) -> str:
        return "计" + GIVEN[i // len(GIVEN) % len(GIVEN)] + GIVEN[i % len(GIVEN)]

    # -- children ------------------------------------------------------------------------------

    def child(self, *, region: str = VILLAGE_A, name: str | None = None, birth: datetime.date | None = None) -> Child:
        i = self._next()
        birth = birth or datetime.date(2012, 1, 1) + datetime.timedelta(days=i)
        base = f"210522{birth:%Y%m%d}{i % 100:02d}1"
        data = example(
            id_number=base + ric.calc_check_digit(base + "0"),
            name=name or self.name(i),
            birth_date=birth.isoformat(),
            region_code=region,
            hukou_region_code=region,
        )
        record, errors = parse_record(data, today=today())
        assert record is not None, errors
        return registry_services.child_register(
            actor=None, record=record, effective=today() - datetime.timedelta(days=400)
        )

    def add_children(self, n: int) -> str:
        children = [self.child() for _ in range(n)]
        return children[-1].name

    def add_transfers(self, n: int) -> str:
        """n children of 普乐堡村 (township B), each asked into 东关村 by its director. Returns the
        last child's name (what the deciding side's list shows)."""
        from shouhu.registry import transfers

        child = None
        for _ in range(n):
            child = self.child(region=VILLAGE_B)
            transfers.transfer_request(
                actor=self.personas["director_a"],
                id_number=child.id_number or "",
                name=child.name,
                to_region=Region.objects.get(code=VILLAGE_A),
                address="东关街 1 号",
            )
        assert child is not None
        return child.name

    # -- casework ------------------------------------------------------------------------------

    def add_referrals(self, n: int, tab: str = "all") -> str:
        """n applications at township A's window, each referring T09 (县教育局, officer_a) and T06
        (县残联, cooperated by 县卫健局). T09 is left in the inbox tab `tab` ("all": each tab by
        turns). Returns the last child's name."""
        import_table()
        window, officer = self.personas["supervisor_a"], self.personas["officer_a"]
        turns = ["new", "in_progress", "done", "overdue", "due_soon", "returned"]
        who = None
        for _ in range(n):
            who = self.child()
            intake = casework.intake_create(
                actor=window,
                child=who,
                proposals={"T09": "家庭经济困难", "T06": "听力残疾"},
                applicant_name="王奶奶",
                applicant_relationship="祖母",
            )
            confirmed = casework.intake_confirm(actor=window, intake=intake, confirmed=["T09", "T06"])
            t09 = next(r for r in confirmed if r.code == "T09")
            state = tab if tab != "all" else turns[self.serial % len(turns)]
            if state in ("in_progress", "done"):
                t09 = casework.referral_transition(actor=officer, referral=t09, action="accept", expected_version=1)
            if state == "done":
                casework.referral_transition(
                    actor=officer,
                    referral=t09,
                    action="complete",
                    expected_version=t09.version,
                    outcome="approved",
                    answer=benefit("500", "monthly"),
                )
            if state == "returned":
                casework.referral_transition(
                    actor=officer, referral=t09, action="return", expected_version=1, reason="请补充材料"
                )
            if state == "overdue":
                Referral.objects.filter(pk=t09.pk).update(accept_due=today() - datetime.timedelta(days=3))
            if state == "due_soon":
                Referral.objects.filter(pk=t09.pk).update(accept_due=today())
        assert who is not None
        sweep(today())  # the hourly deadline sweep: the overdue ones are escalated to the county
        self.ctx["child"] = who
        return who.name

    def add_orphan_referrals(self, n: int) -> str:
        """n applications at township A's window, each referring T01 孤儿保障: 县民政局 handles it
        (the county caseworkers), 各乡镇（街道） cooperates (supervisor_a fills in 桓仁镇's part). Every
        other one accepted, and its township part filled in. Returns the last child's name."""
        import_table()
        window, county = self.personas["supervisor_a"], self.personas["caseworker"]
        who = None
        for i in range(n):
            who = self.child()
            intake = casework.intake_create(actor=window, child=who, proposals={"T01": "孤儿"})
            t01 = casework.intake_confirm(actor=window, intake=intake, confirmed=["T01"])[0]
            if i % 2:
                casework.referral_transition(actor=county, referral=t01, action="accept", expected_version=1)
                casework.cooperation_note(actor=window, referral=t01, note=f"已入户核实 {who.name}")
        assert who is not None
        return who.name

    def add_child_referrals(self, n: int) -> str:
        """n more intakes for one child, each referring T09 (县教育局) and T01 (县民政局, with the
        township's part). Returns the last intake's reference."""
        import_table()
        who = self.ctx.get("referred_child") or self.child()
        self.ctx["referred_child"] = who
        last = ""
        for _ in range(n):
            intake = casework.intake_create(actor=self.personas["supervisor_a"], child=who, proposals={"T09": "x"})
            casework.intake_confirm(
                actor=self.personas["supervisor_a"], intake=intake, confirmed=["T09", "T01"], reasons={"T01": "孤儿"}
            )
            last = intake.reference
        return last

    def add_suggestions(self, n: int) -> str:
        last = None
        for _ in range(n):
            last = casework.intake_create(
                actor=None, child=self.child(), kind=IntakeKind.SUGGESTION, proposals={"T02": "低保家庭", "T09": "x"}
            )
        assert last is not None
        return last.child.name

    def add_timeline(self, n: int) -> str:
        """n more intakes for one child (the timeline's rows): applications confirmed and then
        rejected by the unit, and screening suggestions cancelled at the window, in turn."""
        import_table()
        who = self.ctx.get("timeline_child") or self.child()
        self.ctx["timeline_child"] = who
        window = self.personas["supervisor_a"]
        last = ""
        for _ in range(n):
            if self._next() % 2:
                intake = casework.intake_create(actor=window, child=who, proposals={"T09": "x"})
                casework.intake_confirm(actor=window, intake=intake, confirmed=["T09"])
                referral = intake.referrals.get()
                casework.referral_transition(
                    actor=self.personas["officer_a"],
                    referral=referral,
                    action="reject",
                    expected_version=1,
                    reason="不符",
                )
            else:
                intake = casework.intake_create(
                    actor=None, child=who, kind=IntakeKind.SUGGESTION, proposals={"T02": "x"}
                )
                casework.intake_cancel(actor=window, intake=intake, reason=f"已核实 {self.serial}")
            last = intake.reference
        return last

    # -- registry ------------------------------------------------------------------------------

    def add_duplicates(self, n: int) -> str:
        last = ""
        for _ in range(n):
            i = self.serial + 1
            birth = datetime.date(2010, 1, 1) + datetime.timedelta(days=i)
            first = self.child(name=self.name(i), birth=birth)
            self.child(name=first.name, birth=birth)
            last = first.name
        return last

    def add_import_runs(self, n: int) -> str:
        from shouhu.registry.exchange.runs import import_run_create, import_run_validate

        last = ""
        for _ in range(n):
            i = self._next()
            rows = [example(name=self.name(i)), example(region_code="210522999201")]
            data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
            last = f"roster-{i}.jsonl"
            run = import_run_create(
                actor=self.personas["supervisor_a"], upload=ContentFile(data, name=last), filename=last
            )
            import_run_validate(run)
        return last

    # -- eligibility ---------------------------------------------------------------------------

    def add_screened(self, n: int) -> str:
        """n more children, then a new county screening (its changes: n gained...)."""
        from shouhu.eligibility.screening import run_screening, screening_request

        last = self.add_children(n)
        run = run_screening(screening_request(actor=self.personas["admin"], region_code=COUNTY, as_of=today()))
        self.ctx["run"] = run.pk
        return last

    def add_runs(self, n: int) -> str:
        """n screening runs, of the county (by the admin) and of township A (by its supervisor) in
        turn; every third one is carried out, the others wait in the queue."""
        from shouhu.eligibility.screening import run_screening, screening_request

        self.add_children(1)
        run = None
        for _ in range(n):
            i = self._next()
            actor, region = [("admin", COUNTY), ("supervisor_a", TOWNSHIP_A)][i % 2]
            run = screening_request(actor=self.personas[actor], region_code=region, as_of=today())
            if i % 3 == 0:
                run_screening(run)
        assert run is not None
        return f"#{run.pk}"

    def add_referral_steps(self, n: int) -> str:
        """One referral returned for more information and resubmitted n times (2n events)."""
        if "referral" not in self.ctx:
            self.add_referrals(1, "new")
            self.ctx["referral"] = Referral.objects.get(child=self.ctx["child"], code="T09")
        referral = self.ctx["referral"]
        for _ in range(n):
            i = self._next()
            referral = casework.referral_transition(
                actor=self.personas["officer_a"],
                referral=referral,
                action="return",
                expected_version=referral.version,
                reason=f"请补充材料 {i}",
            )
            referral = casework.referral_transition(
                actor=self.personas["supervisor_a"],
                referral=referral,
                action="resubmit",
                expected_version=referral.version,
            )
        self.ctx["referral"] = referral
        return f"请补充材料 {self.serial}"

    def add_changes(self, n: int) -> str:
        """n recorded changes of one child (circumstances closed and opened, audit rows)."""
        who = self.ctx.get("changed_child") or self.child()
        grades = [1, 2, 3, 4]
        stages = ["primary", "junior", "senior"]
        for _ in range(n):
            i = self._next()
            who.refresh_from_db()
            data = example(
                id_number=who.id_number,
                name=who.name,
                birth_date=who.birth_date.isoformat(),
                disability={"type": "hearing", "grade": grades[i % 4]},
                schooling={"stage": stages[i % 3], "enrolled": True},
            )
            record, errors = parse_record(data, today=today())
            assert record is not None, errors
            registry_services.child_update(
                actor=self.personas["supervisor_a"],
                child=who,
                record=record,
                expected_version=who.version,
                effective=today() - datetime.timedelta(days=300 - i),
            )
        self.ctx["changed_child"] = who
        return "残疾"

    # -- regions, policy, supervision ----------------------------------------------------------

    def add_villages(self, n: int) -> str:
        from shouhu.regions.services import region_create

        township = Region.objects.get(code=TOWNSHIP_A)
        last = ""
        for _ in range(n):
            i = self._next()
            last = f"计{GIVEN[i % len(GIVEN)]}{i}村"
            region_create(actor=self.personas["admin"], code=f"210522100{300 + i:03d}", name=last, parent=township)
        return last

    def add_tasks(self, n: int) -> str:
        """A new version of the table with n more tasks (taken area by area in turn, so the first
        few already involve 县教育局, 县卫健局 and the townships), and for each new task a report
        from officer_a, officer_b and supervisor_a where their unit answers for it."""
        from shouhu.policy.importing import policy_import_commit
        from shouhu.policy.importing.parsing import tasks_to_xlsx
        from shouhu.policy.supervision.periods import current_period
        from shouhu.policy.supervision.selectors import unit_answers_for
        from shouhu.policy.supervision.services import progress_report_submit
        from shouhu.policy.tests.import_helpers import source_tasks

        if "tasks" not in self.ctx:
            by_area: dict[str, list[Any]] = {}
            for parsed in source_tasks():
                by_area.setdefault(parsed.area, []).append(parsed)
            queues = list(by_area.values())
            order = []
            while any(queues):
                for queue in queues:
                    if queue:
                        order.append(queue.pop(0))
            self.ctx["tasks"] = [dataclasses.replace(t, number=i) for i, t in enumerate(order, start=1)]
            self.ctx["shown"] = 0
        before = self.ctx["shown"]
        self.ctx["shown"] = min(before + n, len(self.ctx["tasks"]))
        tasks = self.ctx["tasks"][: self.ctx["shown"]]
        document = policy_import_commit(
            actor=self.personas["admin"], data=tasks_to_xlsx(tasks, title=TABLE_TITLE), filename="table.xlsx"
        )
        township = Region.objects.get(code=TOWNSHIP_A)
        reporters = [
            ("officer_a", Department.objects.get(name=DEPARTMENT_A), None),
            ("officer_b", Department.objects.get(name=DEPARTMENT_B), None),
            ("supervisor_a", Department.objects.get(name="各乡镇（街道）"), township),
        ]
        for task in document.tasks.filter(number__gt=before).order_by("number"):
            for key, department, where in reporters:
                if unit_answers_for(task, department, where):
                    self.ctx.setdefault("reported", {})[key] = str(task.text[:12])
                    progress_report_submit(
                        actor=self.personas[key],
                        task=task,
                        department=department,
                        township=where,
                        period=current_period(task.report_frequency).key,
                        status="in_progress",
                        narrative=f"任务 {task.number} 已部署",
                    )
        return str(tasks[-1].text[:12])

    def add_reports(self, n: int) -> str:
        """n progress reports on the county's real table (the one referrals are routed by), from
        officer_a, officer_b and supervisor_a in turn, for the current period."""
        from shouhu.policy.models import PolicyTask
        from shouhu.policy.selectors import current_document
        from shouhu.policy.supervision.periods import current_period
        from shouhu.policy.supervision.selectors import unit_answers_for
        from shouhu.policy.supervision.services import progress_report_submit

        import_table()
        if "obligations" not in self.ctx:
            township = Region.objects.get(code=TOWNSHIP_A)
            units = [
                ("officer_a", Department.objects.get(name=DEPARTMENT_A), None),
                ("officer_b", Department.objects.get(name=DEPARTMENT_B), None),
                ("supervisor_a", Department.objects.get(name="各乡镇（街道）"), township),
            ]
            document = current_document()
            assert document is not None
            tasks: list[PolicyTask] = list(document.tasks.order_by("number"))
            found = [(key, t, d, w) for t in tasks for key, d, w in units if unit_answers_for(t, d, w)]
            found.sort(key=lambda o: ["officer_a", "officer_b", "supervisor_a"].index(o[0]))
            by_key: dict[str, list[Any]] = {}
            for item in found:
                by_key.setdefault(item[0], []).append(item)
            self.ctx["obligations"] = [o for trio in zip(*by_key.values(), strict=False) for o in trio]
        last = ""
        for _ in range(n):
            key, task, department, where = self.ctx["obligations"].pop(0)
            progress_report_submit(
                actor=self.personas[key],
                task=task,
                department=department,
                township=where,
                period=current_period(task.report_frequency).key,
                status="in_progress",
                narrative=f"任务 {task.number} 已部署",
            )
            last = str(task.text[:12])
        return last

    def add_versions(self, n: int) -> str:
        for _ in range(n):
            self.add_tasks(1)
        return TABLE_TITLE

    def add_everything(self, n: int) -> str:
        """For the home pages: referrals in every state, tasks with reports, a screening, a pair
        of duplicates, notifications."""
        self.add_referrals(n)
        self.add_suggestions(n)
        self.add_reports(n)
        self.add_duplicates(1)
        self.add_screened(1)
        self.add_safety_cases(n)
        return ""

    def add_families(self, n: int) -> str:
        """n families on the register, in turn applied, approved and approved with a child placed."""
        from shouhu.placements.models import PlacementKind
        from shouhu.placements.tests.factories import family, place

        last = ""
        for _ in range(n):
            i = self._next()
            made = family(self.personas["caseworker"], state="applied" if i % 3 == 0 else "approved", name=f"计{i}家")
            if i % 3 == 2:
                place(self.personas["caseworker"], self.child(), kind=PlacementKind.FOSTER, family=made)
            last = made.reference
        return last

    def add_placements(self, n: int) -> str:
        """n more placements of one child of 东关村, one after the other, each ended with its outcome."""
        from shouhu.placements import services as placements
        from shouhu.placements.models import Outcome, PlacementKind
        from shouhu.placements.tests.factories import family, place

        if "placed_child" not in self.ctx:
            self.ctx["placed_child"] = self.child(birth=datetime.date(2010, 1, 1))
            self.ctx["placed_family"] = family(self.personas["caseworker"], capacity=6, name="计寄养家")
            self.ctx["placements"] = 0
        last = ""
        for _ in range(n):
            k = self.ctx["placements"] = self.ctx["placements"] + 1
            start = today() - datetime.timedelta(days=2000 - 10 * k)
            kind = PlacementKind.FOSTER if k % 2 else PlacementKind.KINSHIP
            made = place(
                self.personas["caseworker"],
                self.ctx["placed_child"],
                kind=kind,
                family=self.ctx["placed_family"] if k % 2 else None,
                valid_from=start,
                caregiver_name=f"计亲属{k}",
            )
            placements.placement_end(
                actor=self.personas["caseworker"],
                placement=made,
                valid_to=start + datetime.timedelta(days=5),
                outcome=Outcome.MOVED,
                expected_version=made.version,
            )
            last = made.caregiver
        return last

    def add_safety_cases(self, n: int) -> str:
        """n reports by reporter_a on children of 东关村 (桓仁镇) and 普乐堡村, in every state: each
        with its units, clocks, events, and some with an overdue clock and an escalation."""
        from shouhu.safeguarding import services as safety
        from shouhu.safeguarding.tests.factories import file_report

        import_table()
        last = ""
        for i in range(n):
            at = timezone.now() - datetime.timedelta(hours=3 * (i % 3))
            report = file_report(
                self.personas["reporter_a"],
                now=at,
                observed_at=at,
                region_code=VILLAGE_A if i % 2 == 0 else VILLAGE_B,
                child_name=self.name(self._next()),
                urgent=i % 2 == 1,
            )
            case = report.case
            for step, action in enumerate(("acknowledge", "see_child", "close")[: i % 4]):
                case = safety.case_transition(
                    actor=self.personas["caseworker"], case=case, action=action, expected_version=step + 1, note="记录"
                )
            safety.escalate_due()
            last = report.reference
        return last

    def add_interventions(self, n: int) -> str:
        """n registered children of 东关村 and 普乐堡村, each with a safety case and a guardianship
        intervention, some under temporary guardianship and some returned home with a visit due."""
        from shouhu.guardianship import services as guardianship
        from shouhu.safeguarding.tests.factories import file_report

        import_table()
        last = ""
        for i in range(n):
            region = VILLAGE_A if i % 2 == 0 else VILLAGE_B
            child = self.child(region=region)
            case = file_report(
                self.personas["reporter_a"], id_number=child.id_number, approx_age=None, region_code=region
            ).case
            intervention = guardianship.intervention_open(actor=self.personas["caseworker"], case=case)
            for step, (action, fields) in enumerate(
                [
                    ("temporary", {}),
                    (
                        "return_home",
                        {"guardian": "grandparent", "follow_up_dates": (today() + datetime.timedelta(days=9),)},
                    ),
                ][: i % 3]
            ):
                guardianship.step_take(
                    actor=self.personas["caseworker"],
                    intervention=intervention,
                    # A day apart: the registry keeps one guardian a day.
                    data=guardianship.StepInput(
                        action=action, on=today() - datetime.timedelta(days=2 - step), **fields
                    ),
                    expected_version=step + 1,
                )
            last = child.name
        return last

    def add_safety_reports(self, n: int) -> str:
        return self.add_safety_cases(n)

    def add_custody_notices(self, n: int) -> str:
        """n detention notices by officer_p, each naming a child of 东关村: a relative caring, or
        every other one a civil-affairs institution (with its safety case)."""
        from shouhu.casework.tests.walk_samples import id_number
        from shouhu.custody.tests.factories import child_input, record

        import_table()
        last = ""
        for i in range(n):
            k = self._next()
            arrangement = "relative" if i % 2 == 0 else "institution"
            child = child_input(id_number=id_number(f"2016{k % 12 + 1:02d}{k % 28 + 1:02d}", k % 90 + 10),
                                name=self.name(k), arrangement=arrangement)  # fmt: skip
            last = record(self.personas["officer_p"], child, person_name="计" + self.name(k + 1)).reference
        return last

    def add_reorganisations(self, n: int) -> str:
        """A unit renamed n times over (a lineage of n steps)."""
        from shouhu.policy.models import ReorganisationKind
        from shouhu.policy.reorganisations.services import NewUnit, reorganisation_record

        unit = self.ctx.get("unit")
        if unit is None:
            unit = Department.objects.create(
                name="计测局", official_name="计测局", established_on=datetime.date(2000, 1, 1)
            )
            self.ctx["first_unit"] = unit
        for _ in range(n):
            i = self._next()
            item = reorganisation_record(
                actor=self.personas["admin"],
                kind=ReorganisationKind.RENAME,
                effective_on=datetime.date(2000, 1, 1) + datetime.timedelta(days=30 * i),
                predecessors=[unit],
                successors=[NewUnit(f"计测局{i}", f"计测局（第{i}次更名）")],
            )
            unit = item.successors.get()
        self.ctx["unit"] = unit
        return unit.name

    def add_departments(self, n: int) -> str:
        last = ""
        for _ in range(n):
            last = f"计测单位{self._next()}"
            Department.objects.create(name=last, official_name=last)
        return last

    # -- eligibility rules -----------------------------------------------------------------------

    def add_parameter_versions(self, n: int) -> str:
        from shouhu.eligibility.services import parameter_save

        for _ in range(n):
            i = self._next()
            parameter_save(
                actor=self.personas["admin"],
                name="rehab_age_max",
                value=6 + i % 2,
                effective_from=today() + datetime.timedelta(days=i),
                note=f"计测 {i}",
            )
        return "rehab_age_max"

    def add_rule_versions(self, n: int) -> str:
        from shouhu.eligibility.models import Rule
        from shouhu.eligibility.rules import rule_versions_on
        from shouhu.eligibility.services import rule_save

        for _ in range(n):
            i = self._next()
            versions = rule_versions_on(today())
            for code in ("T06", "T09", "T21"):
                expression = versions[code].expression
                rule_save(
                    actor=self.personas["admin"],
                    code=code,
                    expression=expression,
                    effective_from=today() + datetime.timedelta(days=i),
                    note=f"计测 {i}",
                )
        return str(Rule.objects.get(code="T21").label)

    def add_calendar_days(self, n: int) -> str:
        from shouhu.casework.services import calendar_day_set

        last = ""
        for _ in range(n):
            i = self._next()
            day = datetime.date(today().year, 1, 1) + datetime.timedelta(days=i * 7)
            if day.weekday() >= 5:
                day += datetime.timedelta(days=2)
            last = f"计测假日 {i}"
            calendar_day_set(actor=self.personas["admin"], date=day, is_working=False, note=last)
        return last

    def add_report_rounds(self, n: int) -> str:
        """One progress report returned by the reviewer and resubmitted n times (its history)."""
        from shouhu.policy.models import ProgressReport
        from shouhu.policy.supervision.services import progress_report_review, progress_report_submit

        if "report" not in self.ctx:
            self.add_reports(1)
            self.ctx["report"] = ProgressReport.objects.get()
        report = self.ctx["report"]
        last = ""
        for _ in range(n):
            last = f"请补充第 {self._next()} 轮材料"
            progress_report_review(actor=self.personas["caseworker"], report=report, decision="return", comment=last)
            report = progress_report_submit(
                actor=self.personas["officer_a"],
                task=report.task,
                department=report.department,
                township=report.township,
                period=report.period,
                status="in_progress",
                narrative="已补充",
            )
        self.ctx["report"] = report
        return last

    def add_pending(self, n: int) -> str:
        """n more children in village A waiting for facts (the 待补充信息 worklist's rows, as
        screening leaves them), each waiting for a different mix of facts."""
        from shouhu.eligibility.models import PendingFacts

        last = ""
        for _ in range(n):
            child = self.child()
            i = self.serial
            PendingFacts.objects.create(
                child=child, codes="T01 T14 orphan", as_of=today(), mother=True, enrolled=i % 2 == 0, father=i % 3 == 0
            )
            last = child.name
        return last

    def add_child_screenings(self, n: int) -> str:
        """One child's eligibility history: n changes of its circumstances, screened after every
        third (each screening opens and closes several rows)."""
        from shouhu.eligibility.screening import run_screening, screening_request

        for _ in range(n):
            self.add_changes(1)
            if self.serial % 3 == 0 or "screened" not in self.ctx:
                self.ctx["screened"] = True
                run_screening(screening_request(actor=self.personas["admin"], region_code=VILLAGE_A, as_of=today()))
        return str(self.ctx["changed_child"].name)

    # -- accounts, core --------------------------------------------------------------------------

    def add_users(self, n: int) -> str:
        from shouhu.accounts.services import user_create

        education = Department.objects.get(name="县教育局")
        township, village = Region.objects.get(code=TOWNSHIP_A), Region.objects.get(code=VILLAGE_A)
        kinds: list[tuple[str, dict[str, Any]]] = [
            (Role.TOWNSHIP_SUPERVISOR, {"region": township}),
            (Role.DEPARTMENT_OFFICER, {"department": education}),
            (Role.VILLAGE_DIRECTOR, {"region": village}),
        ]
        last = ""
        for _ in range(n):
            i = self._next()
            role, extra = kinds[i % 3]
            last = f"qc_user_{i}"
            user_create(actor=None, username=last, password="x", role=role, check_password=False, **extra)
        return last

    def add_tokens(self, n: int) -> str:
        from shouhu.accounts.services import api_token_issue

        last = ""
        for _ in range(n):
            i = self._next()
            last = f"qc-token-{i}"
            owner = self.personas[["leader", "officer_a"][i % 2]]
            api_token_issue(actor=owner, name=last, user=owner)
        return last

    def add_audit(self, n: int) -> str:
        return self.add_users(n)

    def add_notifications(self, n: int) -> str:
        from shouhu.core.notifications import notify

        last = ""
        for _ in range(n):
            last = f"通知 {self._next()}"
            notify(recipients=[self.personas["officer_a"]], title=last, link="/referrals/")
        return last


@dataclass(frozen=True)
class Case:
    id: str
    persona: str
    url: str | Callable[[World], str]
    grow: Callable[[World, int], str]
    ceiling: int
    shows_last: bool = True  # the last row added appears on the page
    marker: Callable[[World], str] | None = None  # what the page must show instead
    status: int = 200
    extra: dict[str, Any] = field(default_factory=dict)

    def resolve(self, world: World) -> str:
        return self.url(world) if callable(self.url) else self.url


def _reported(key: str) -> Callable[[World], str]:
    """The last task of the table a persona's unit reported on."""
    return lambda world: str(world.ctx["reported"][key])


@dataclass(frozen=True)
class Grow:
    """How a family of pages gets more rows; the pages of one family share one world."""

    key: str
    add: Callable[[World, int], str]

    def __call__(self, world: World, n: int) -> str:
        return self.add(world, n)


def _grow(method: str) -> Grow:
    return Grow(method, lambda world, n: getattr(world, method)(n))


def _referrals(tab: str) -> Grow:
    return Grow(f"referrals:{tab}", lambda world, n: world.add_referrals(n, tab))


def _run_url(world: World) -> str:
    return f"/eligibility/runs/{world.ctx['run']}/"


def _placements_url(world: World) -> str:
    return f"/placements/children/{world.ctx['placed_child'].pk}/"


def _timeline_url(world: World) -> str:
    return f"/referrals/children/{world.ctx['timeline_child'].pk}/timeline/"


# The audit log (core/chain.py): a page that shows children's personal data writes one audit row
# a request — the chain head taken under a lock, the row, the head moved on: READ queries. A page
# that wrote its audit row before the log was chained (exports, a child's record) pays the head's
# two: CHAINED. Raised deliberately: reading children unaudited is what must not happen.
READ = 3
CHAINED = 2

CASES = [
    # registry
    Case("children list", "supervisor_a", "/children/", _grow("add_children"), 9 + READ),
    Case("children search", "caseworker", "/children/?q=j", _grow("add_children"), 11),
    Case("children API", "caseworker", "/api/v1/children", _grow("add_children"), 9),
    Case("duplicates review", "caseworker", "/children/duplicates/", _grow("add_duplicates"), 12 + READ),
    Case("import runs", "supervisor_a", "/children/io/import/", _grow("add_import_runs"), 5),
    # casework
    Case("intake list", "supervisor_a", "/intake/", _grow("add_referrals"), 11 + READ),
    Case("intake suggestions", "supervisor_a", "/intake/suggestions/", _grow("add_suggestions"), 9 + READ),
    *[
        # 14: the page's rows the user fills in a cooperating part of (and whether it is filled in).
        Case(f"inbox {tab}", "officer_a", f"/referrals/?tab={tab}", _referrals(tab), 14 + READ)
        for tab in ("new", "due_soon", "overdue", "in_progress", "done", "all")
    ],
    Case("inbox cooperate", "officer_b", "/referrals/?tab=cooperate", _grow("add_referrals"), 14 + READ),
    # A township's inbox names the measures the table names 各乡镇（街道） in: the table (kept per
    # process outside a test's transaction), its responsibilities, the measures.
    Case(
        "inbox (township parts)", "supervisor_a", "/referrals/?tab=cooperate", _grow("add_orphan_referrals"), 17 + READ
    ),
    Case("inbox (township, all)", "supervisor_a", "/referrals/?tab=all", _grow("add_orphan_referrals"), 17 + READ),
    Case("inbox (county caseworker)", "caseworker", "/referrals/?tab=all", _grow("add_orphan_referrals"), 14 + READ),
    Case(
        "children's referrals (window)",
        "supervisor_a",
        "/referrals/children/?tab=all",
        _grow("add_referrals"),
        12 + READ,
    ),
    Case("children's referrals (village)", "director_a", "/referrals/children/?tab=all", _grow("add_referrals"), 12),
    Case(
        "one child's referrals",
        "director_a",
        lambda w: f"/referrals/children/{w.ctx['referred_child'].pk}/",
        _grow("add_child_referrals"),
        12,
    ),
    Case("referral supervision", "caseworker", "/referrals/supervision/", _referrals("overdue"), 8),
    Case("referrals API", "officer_a", "/api/v1/referrals", _grow("add_referrals"), 7),
    Case("child timeline", "supervisor_a", _timeline_url, _grow("add_timeline"), 16 + READ),
    # safeguarding
    Case("safety cases", "caseworker", "/safety/cases/", _grow("add_safety_cases"), 6 + READ),
    # 7: the supervisor's township (their jurisdiction's prefix).
    Case("safety cases (township)", "supervisor_a", "/safety/cases/?state=open", _grow("add_safety_cases"), 7 + READ),
    Case(
        "safety cases (police)",
        "officer_p",
        "/safety/cases/?overdue=on",
        _grow("add_safety_cases"),
        7 + READ,  # +1: the navigation reads the officer's unit (custody notices' entry)
        shows_last=False,
    ),
    # The notices, their children (one read), the townships of the filter.
    Case("custody notices", "caseworker", "/custody/notices/", _grow("add_custody_notices"), 8 + READ),
    Case("my safety reports", "reporter_a", "/safety/reports/", _grow("add_safety_reports"), 5 + READ),
    # placements
    Case("family register", "caseworker", "/placements/families/", _grow("add_families"), 6 + READ),
    Case("a child's placements", "supervisor_a", _placements_url, _grow("add_placements"), 8 + READ),
    # guardianship
    Case("guardianship interventions", "caseworker", "/guardianship/", _grow("add_interventions"), 6 + READ),
    # eligibility
    Case("screening runs", "admin", "/eligibility/", _grow("add_runs"), 10),
    Case("screening run results", "admin", _run_url, _grow("add_screened"), 15),
    Case("eligibility counts", "caseworker", "/eligibility/counts/", _grow("add_screened"), 11, shows_last=False),
    Case(
        "eligibility counts children",
        "caseworker",
        f"/eligibility/counts/children/?region={COUNTY}&code=T06",
        _grow("add_screened"),
        10 + READ,
    ),
    Case("child detail", "supervisor_a", lambda w: f"/children/{w.ctx['changed_child'].pk}/", _grow("add_changes"), 13),
    Case(
        "child circumstances API",
        "caseworker",
        lambda w: f"/api/v1/children/{w.ctx['changed_child'].pk}/circumstances",
        _grow("add_changes"),
        8,
    ),
    # 10: one read of the county's code for the rows' 登记编号 (record keys), whatever their number.
    Case("children export", "caseworker", "/children/io/export/?format=jsonl", _grow("add_children"), 10 + CHAINED),
    Case(
        "children export xlsx",
        "caseworker",
        "/children/io/export/?format=xlsx",
        _grow("add_children"),
        10 + CHAINED,
        shows_last=False,
    ),
    Case("intake pick", "supervisor_a", "/intake/new/?q=ji", _grow("add_children"), 5 + READ),
    Case(
        "referral detail",
        "officer_a",
        lambda w: f"/referrals/{w.ctx['referral'].pk}/",
        _grow("add_referral_steps"),
        13 + READ,  # +1: the navigation reads the officer's unit (custody notices' entry)
    ),
    Case(
        "referral API detail",
        "officer_a",
        lambda w: f"/api/v1/referrals/{w.ctx['referral'].pk}",
        _grow("add_referral_steps"),
        8,  # the referral loaded once, in scope, with all the answer shows
    ),
    Case(
        "intake detail",
        "supervisor_a",
        lambda w: f"/intake/{w.ctx['referral'].intake_id}/",
        _grow("add_referral_steps"),
        9 + READ,  # the measures' names, read once
    ),
    # regions
    Case("regions search", "admin", "/regions/?q=计", _grow("add_villages"), 6),
    Case("township", "supervisor_a", f"/regions/{TOWNSHIP_A}/", _grow("add_villages"), 7),
    Case("regions API", "admin", "/api/v1/regions", _grow("add_villages"), 4),
    # policy
    Case("policy tasks", "caseworker", "/policy/", _grow("add_tasks"), 16),
    Case("policy tasks (current names)", "caseworker", "/policy/?names=current", _grow("add_tasks"), 16),
    Case("policy matrix", "caseworker", "/policy/matrix/", _grow("add_tasks"), 15),
    Case(
        "policy township",
        "supervisor_a",
        f"/policy/townships/{TOWNSHIP_A}/",
        _grow("add_tasks"),
        14,
        marker=_reported("supervisor_a"),
    ),
    Case("policy versions", "admin", "/policy/import/versions/", _grow("add_versions"), 5),
    # +1: the measures' names, for the transfers of a function the list shows.
    Case("reorganisations", "caseworker", "/policy/reorganisations/", _grow("add_reorganisations"), 8),
    Case(
        "unit history",
        "caseworker",
        lambda w: f"/policy/reorganisations/units/{w.ctx['first_unit'].pk}/",
        _grow("add_reorganisations"),
        11,
    ),
    Case("departments", "caseworker", "/departments/", _grow("add_departments"), 4),
    Case("departments API", "caseworker", "/api/v1/departments", _grow("add_departments"), 3),
    Case(
        "department tasks",
        "officer_a",
        lambda w: f"/departments/{w.personas['officer_a'].department_id}/",
        _grow("add_tasks"),
        14,
        marker=_reported("officer_a"),
    ),
    # supervision
    *[
        Case(f"supervision matrix ({key})", key, "/policy/supervision/", _grow("add_tasks"), 26, marker=_reported(unit))
        for key, unit in [
            ("caseworker", "officer_b"),
            ("officer_a", "officer_a"),
            ("supervisor_a", "supervisor_a"),
            ("leader", "officer_b"),
        ]
    ],
    *[
        Case(
            f"supervision mine ({key})", key, "/policy/supervision/mine/", _grow("add_tasks"), 17, marker=_reported(key)
        )
        for key in ("officer_a", "supervisor_a")
    ],
    Case(
        "supervision queue",
        "caseworker",
        "/policy/supervision/queue/",
        _grow("add_tasks"),
        9,
        marker=_reported("officer_a"),
    ),
    # eligibility rules
    Case("rules", "caseworker", "/eligibility/rules/", _grow("add_rule_versions"), 7),
    Case("rule detail", "caseworker", "/eligibility/rules/T21/", _grow("add_rule_versions"), 10),
    Case("parameters", "caseworker", "/eligibility/parameters/", _grow("add_parameter_versions"), 9),
    Case("screening runs (township)", "supervisor_a", "/eligibility/", _grow("add_runs"), 10),
    Case("screening run results (township)", "supervisor_a", _run_url, _grow("add_screened"), 13 + READ),
    Case(
        "child eligibility",
        "supervisor_a",
        lambda w: f"/eligibility/children/{w.ctx['changed_child'].pk}/",
        _grow("add_child_screenings"),
        16 + CHAINED,  # the parameters' names, read once
    ),
    Case("pending facts", "supervisor_a", "/eligibility/pending/", _grow("add_pending"), 8 + READ),
    Case(
        "pending facts (village, by fact)",
        "director_a",
        "/eligibility/pending/?fact=mother",
        _grow("add_pending"),
        8 + READ,
    ),
    Case(
        "eligibility list export",
        "caseworker",
        f"/eligibility/counts/children/export.xlsx?region={COUNTY}&code=T06",
        _grow("add_screened"),
        10 + CHAINED,
        shows_last=False,
    ),
    Case("calendar", "admin", "/referrals/calendar/", _grow("add_calendar_days"), 8),
    Case(
        "report detail",
        "officer_a",
        lambda w: f"/policy/supervision/reports/{w.ctx['report'].pk}/",
        _grow("add_report_rounds"),
        7,
    ),
    Case(
        "policy matrix export", "caseworker", "/policy/matrix.xlsx", _grow("add_tasks"), 17 + CHAINED, shows_last=False
    ),
    Case(
        "supervision county export",
        "caseworker",
        "/policy/supervision/export/county/",
        _grow("add_tasks"),
        16 + CHAINED,
        shows_last=False,
    ),
    Case(
        "supervision unit export",
        "officer_a",
        lambda w: f"/policy/supervision/export/department/{w.personas['officer_a'].department_id}/",
        _grow("add_tasks"),
        17 + CHAINED,
        shows_last=False,
    ),
    # registry: moving between townships (the deciding side sees the children, the asker what she typed)
    Case("transfers to decide", "supervisor_b", "/children/transfers/", _grow("add_transfers"), 6 + READ),
    Case("transfers asked", "director_a", "/children/transfers/", _grow("add_transfers"), 5 + READ),
    # accounts, core
    Case("users", "admin", "/users/", _grow("add_users"), 6),  # 6: the sign-in locks in force, above the list
    Case("api tokens", "admin", "/users/api-tokens/", _grow("add_tokens"), 6),
    Case("audit log", "admin", "/audit/", _grow("add_audit"), 5),
    # +1 on an officer's pages that read nothing of their unit: the navigation asks whether the unit
    # records detention notices (access/custody.py, `may_see_custody_notices`).
    Case("notifications", "officer_a", "/notifications/", _grow("add_notifications"), 6),
]


def _normalise(sql: str) -> str:
    sql = re.sub(r"\b\d+\b|'[^']*'|%s", "?", sql)
    return re.sub(r"IN \(\?(, \?)*\)", "IN (...)", sql)


def _count(client: Client, url: str, case: Case) -> tuple[int, list[str], str]:
    """The queries of one request (after a first one that warms per-process caches), and what it
    answered as text."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response: Any = client.get(url)
        # A streamed export queries while it is read.
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == case.status, f"{case.id}: {url} answered {response.status_code}"
    if response["Content-Type"].startswith("application/json"):
        text = json.dumps(json.loads(body), ensure_ascii=False)
    else:
        text = body.decode(errors="replace")
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], text


def _diff(small: list[str], large: list[str]) -> str:
    a, b = Counter(map(_normalise, small)), Counter(map(_normalise, large))
    grown = [(b[s] - a[s], s) for s in b if b[s] != a[s]]
    return "\n".join(f"  {n:+d} × {s[:400]}" for n, s in sorted(grown, reverse=True)[:8])


def _families(cases: list[Case]) -> dict[str, list[Case]]:
    """The cases grouped by how their rows grow: building the world is the slow part, so the pages
    of one family are measured on one world (all with the few rows, then all with the many)."""
    families: dict[str, list[Case]] = {}
    for case in cases:
        families.setdefault(getattr(case.grow, "key", case.id), []).append(case)
    return families


FAMILIES = _families(CASES)


Measured = tuple[int, list[str], str]


def _check(case: Case, world: World, small: Measured, large: Measured, last: str) -> str:
    """What is wrong with one page's two measurements ("" when nothing is)."""
    (n_small, small_sql, _), (n_large, large_sql, text) = small, large
    print(f"QC {case.id}: {n_small} -> {n_large}")
    if os.environ.get("QC_DUMP"):
        print("\n".join(f"  {q[:300]}" for q in large_sql))
    if case.marker is not None:
        last = case.marker(world)
    if (case.shows_last or case.marker is not None) and last not in text:
        return f"{case.id}: the page does not show {last!r}"
    if n_large != n_small:
        return f"{case.id}: {n_small} queries with {SMALL} rows, {n_large} with {LARGE}:\n" + _diff(
            small_sql, large_sql
        )
    if n_large > case.ceiling:
        return (
            f"{case.id}: {n_large} queries, its ceiling is {case.ceiling}. A page that needs another query "
            "whatever its rows may raise its ceiling in CASES:\n" + "\n".join(f"  {q[:300]}" for q in large_sql)
        )
    return ""


@pytest.mark.django_db
@pytest.mark.parametrize("family", list(FAMILIES), ids=str)
def test_list_page_queries_do_not_grow(family: str, personas: dict[str, User], login: Any) -> None:
    """Every page of the family, with SMALL rows and again with LARGE: the same number of queries,
    within the page's ceiling, and the last row added on the page. `-k <family>` runs one family;
    a failure names each page that failed."""
    cases = FAMILIES[family]
    world = World(personas)
    clients = {key: login(key) for key in dict.fromkeys(case.persona for case in cases)}
    cases[0].grow(world, SMALL)
    small = [_count(clients[case.persona], case.resolve(world), case) for case in cases]
    last = cases[0].grow(world, LARGE - SMALL)
    failures = [
        problem
        for case, before in zip(cases, small, strict=True)
        if (problem := _check(case, world, before, _count(clients[case.persona], case.resolve(world), case), last))
    ]
    assert failures == [], "\n\n".join(failures)


# The home page of each role: its ceiling (panels are counts, never rows).
# Inside the test's transaction the task table is not kept across requests (shouhu/web/caching.py),
# only within one: served outside a transaction the officer's, supervisor's and leader's pages need
# fewer still (docs/performance.md, "Web under load").
# The roles that record children's facts have one more: the 待补充信息 counts (one aggregate); those
# who decide transfers between townships one more: the waiting requests (one count).
# Each role but the community worker has one more for its safety panel (safeguarding/panels.py):
# open and overdue cases in one aggregate; a director's village's references; the leader's county
# counts; a reporter's last reports, and one more for the follow-up questions waiting for their answer.
# Those who record placements one more for the placements panel
# (placements/panels.py: the placements ending soon), and the caseworker another (the family
# register's counts in one aggregate). County civil affairs and supervisors have one more for the
# releases due within 30 days (custody/panels.py: one read gives the count and the items).
HOME_CEILINGS = {
    "admin": 19,
    "caseworker": 25,  # 转介待办 for 县民政局 (the unit, the working calendar, the counts); transfers to decide
    "officer_a": 20,  # 本期 and the earlier periods still owed: two reads of the reports
    "supervisor_a": 33,  # transfers to decide; the measures that reach the township and its tasks link
    "director_a": 24,  # 辖区儿童的转介: one aggregate
    "leader": 21,  # the periods due and the current one
    "community_a": 3,
    "reporter_a": 5,
}


@pytest.mark.django_db
def test_home_pages_queries_do_not_grow(personas: dict[str, User], login: Any) -> None:
    """The home page of each role (one world for all of them: building it is the slow part)."""
    world = World(personas)
    case = Case("home", "admin", "/", _grow("add_everything"), 0)
    clients = {key: login(key) for key in HOME_CEILINGS}
    world.add_everything(SMALL)
    small = {key: _count(clients[key], "/", case) for key in HOME_CEILINGS}
    world.add_everything(LARGE - SMALL)
    failures = []
    for key, ceiling in HOME_CEILINGS.items():
        n, sql, _text = _count(clients[key], "/", case)
        print(f"QC home {key}: {small[key][0]} -> {n}")
        if os.environ.get("QC_DUMP"):
            print("\n".join(f"  {q[:300]}" for q in sql))
        if n != small[key][0]:
            failures.append(f"home of {key}: {small[key][0]} queries, then {n}:\n" + _diff(small[key][1], sql))
        elif n > ceiling:
            failures.append(f"home of {key}: {n} queries (ceiling {ceiling})")
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
def test_inbox_tab_counts_in_one_query_match_the_lists(personas: dict[str, User]) -> None:
    """The tab counts come from one aggregate over a DISTINCT queryset (an officer sees their
    unit's referrals and those it cooperates in): each must equal its tab's list. 县残联 leads
    T06 with two cooperating units, so a join without DISTINCT would count each T06 twice."""
    from shouhu.accounts.services import user_create
    from shouhu.casework import selectors

    world = World(personas)
    for tab in ("new", "due_soon", "overdue", "in_progress", "done", "returned"):
        world.add_referrals(2, tab)
    disabled = user_create(
        actor=None,
        username="qc_disabled_officer",
        password="x",
        role=Role.DEPARTMENT_OFFICER,
        department=Department.objects.get(name="县残联"),
        check_password=False,
    )
    world.add_orphan_referrals(4)  # 县民政局's, 桓仁镇's part filled in on two of them
    acting_units(personas["caseworker"])  # 县民政局, looked up once per user object
    users = ("officer_a", "officer_b", "supervisor_a", "caseworker", "admin")
    for user in (*(personas[key] for key in users), disabled):
        with CaptureQueriesContext(connection) as ctx:
            counts = selectors.tab_counts(user)
        assert len(ctx.captured_queries) <= 2  # the aggregate (and the working calendar for "due soon")
        lists = {tab: selectors.inbox(user, tab=tab).count() for tab in counts}
        assert counts == lists, user.username
    assert selectors.tab_counts(disabled)["new"] == 12  # every T06 is still waiting
    mine = selectors.tab_counts(personas["officer_a"])
    # new: submitted (new, due soon, overdue); in progress: accepted and returned.
    assert (mine["new"], mine["overdue"], mine["in_progress"], mine["done"]) == (6, 2, 4, 2)
    assert mine["due_soon"] >= 2  # how many others fall due soon depends on today's calendar
    township = selectors.tab_counts(personas["supervisor_a"])
    assert (township["new"], township["cooperate"], township["in_progress"]) == (0, 2, 2)
    county = selectors.tab_counts(personas["caseworker"])
    assert (county["new"], county["cooperate"], county["in_progress"]) == (2, 0, 2)
