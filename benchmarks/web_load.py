"""Web under load: the product's pages served the production way, hammered by wrk.

    .venv/bin/python benchmarks/web_load.py [--database shouhu_web] [--template shouhu_1m]
        [--workers 4] [--worker-class sync] [--connections 16] [--duration 30] [--runs 3] [--only search,floor,…]

- Database: PostgreSQL `--database` on 127.0.0.1:5432 (user postgres), used as it is when it
  exists. Otherwise it is built from `--template` (`shouhu_1m`, itself built first when missing:
  `shouhu demo generate --children 1000000 --seed 2026`): a copy, migrated, `shouhu screen --all`
  (results and every intake suggestion), the duplicate scan, `shouhu demo load` (personas, the task
  table), VACUUM ANALYZE — about 10 minutes at a million children on 2 cores (`ensure_database`).
  The script never drops anything.
- Server: gunicorn (`--workers` processes) with production settings — SHOUHU_DEBUG=0, a random
  SHOUHU_SECRET_KEY, SHOUHU_ALLOWED_HOSTS=127.0.0.1, static files collected into a scratch
  SHOUHU_DATA_DIR and served by whitenoise (manifest storage), as behind the county's TLS proxy
  (requests carry `X-Forwarded-Proto: https`, so SSL redirect and secure cookies stay on).
  SHOUHU_ENCRYPTION_KEY is the key the data was encrypted with: the environment's, or the
  development key `shouhu demo generate` used by default.
  DJANGO_SETTINGS_MODULE is `benchmarks.web_floor`: the product's settings and URLs plus the floor
  view (a bare view returning the same 50 rows as JSON), so the product does not ship it.
- Targets are picked from the data: the most frequent pinyin initials; the township and category
  with the most open eligibility results (its list's first page and page 500 — or its last page
  when it has fewer than 500 pages, which the results say); the first child of that list; the
  待补充信息 worklist (the county's as the caseworker, that township's children waiting for school
  attendance, and the village director's: the list a director opens on a phone); the home page
  of each role (one persona each, logged in through /login/ with the demo password, and the demo
  authenticator's code for the roles that sign in with one).
- Each page: a check request (200, not the login page), 5 s of warm-up, then `wrk --latency` for
  `--duration` seconds at `--connections` connections (a Lua script sends the session cookie and
  counts non-2xx responses, which wrk's own count misses for 3xx), `--runs` times back to back:
  the page's figures are the runs' medians (errors summed, the largest maximum).
- Output: a markdown table on stdout and in benchmarks/results/web-<children>.md, and JSON in
  benchmarks/results/web-<children>.json. Goal per page: p99 < 150 ms, zero errors, at least half
  the floor's requests/s. The 1-minute load average is recorded before and after each run.
"""

from __future__ import annotations

import argparse
import datetime
import html
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ensure_generated_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "shouhu-demo-2026"  # noqa: S105  (the demo personas' password)
DEV_ENCRYPTION_KEY = "c2hvdWh1LWRldi1vbmx5LWVuY3J5cHRpb24ta2V5ISE="  # what `demo generate` encrypts with by default
PAGE = 500
HOME_PERSONAS = [  # one persona per role
    ("admin", "县民政局系统管理员"),
    ("caseworker", "县民政局业务人员"),
    ("officer_a", "部门经办人"),
    ("officer_p", "部门经办人（县公安局：安全个案、拘留通知）"),
    ("supervisor_a", "乡镇儿童督导员"),
    ("director_a", "村儿童主任"),
    ("leader", "县领导"),
    ("community_a", "社会组织"),
    ("reporter_a", "强制报告责任单位"),
]
GOAL_P99_MS = 150.0
GOAL_FLOOR_RATIO = 0.5

LUA = r"""
-- Sends the session cookie (WRK_COOKIE) and the TLS proxy's header; counts non-2xx responses.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  non2xx = 0
  wrk.headers["X-Forwarded-Proto"] = "https"
  local cookie = os.getenv("WRK_COOKIE")
  if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, bad,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


# Two years of a million-child county's safety reports (about 1 in 100 children a year).
SAFETY_CASES = 20_000
CUSTODY_NOTICES = 2_000  # detentions of parents over a year or two
FAMILIES = 300  # foster and host families applying to the register


def load1() -> float:
    return round(os.getloadavg()[0], 2)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk 未安装，从 Debian 安装 …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)  # noqa: S607
    return shutil.which("wrk") or "wrk"


def ensure_database(name: str, template: str) -> None:
    """`name` as it is, or built from `template` when missing: a copy (CREATE DATABASE … TEMPLATE),
    migrated, screened (`shouhu screen --all`, which also drafts the run's intake suggestions),
    scanned for duplicates, given the demo personas and task table (`shouhu demo load`), then
    VACUUM ANALYZE — what a county that has used Shouhu for a while holds."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
    ensure_generated_database(template, 1_000_000)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        print(f"CREATE DATABASE {name} TEMPLATE {template} …", flush=True)
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    env = {**os.environ, "SHOUHU_DATABASE_URL": f"{PG}/{name}", "SHOUHU_LOG_LEVEL": "WARNING"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.setdefault("SHOUHU_DATA_DIR", tempfile.mkdtemp(prefix="shouhu-web-build-"))
    shouhu = [str(ROOT / ".venv" / "bin" / "shouhu")]
    for step in (
        ["migrate", "--noinput", "-v0"],
        ["screen", "--all"],
        ["shell", "-c", "from shouhu.registry.duplicates import scan; print('duplicate pairs:', scan())"],
        ["demo", "load"],
    ):
        started = time.perf_counter()
        print(f"shouhu {' '.join(step[:2])} …", flush=True)
        subprocess.run([*shouhu, *step], cwd=ROOT, env=env, check=True)  # noqa: S603
        print(f"  {time.perf_counter() - started:.0f} 秒", flush=True)
    with psycopg.connect(f"{PG}/{name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# -- targets -----------------------------------------------------------------------------------


def pick_targets(database_url: str, data_dir: Path, *, safety_cases: int = SAFETY_CASES) -> dict[str, Any]:
    """Real targets from the data, through Django and the product's selectors (read-only but for
    the safety cases filed first when fewer than `safety_cases` are there: `safety_load.py`)."""
    os.environ["SHOUHU_DATABASE_URL"] = database_url
    os.environ["SHOUHU_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouhu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from safety_load import ensure_custody_notices, ensure_families, ensure_safety_cases

    from shouhu.accounts.models import User
    from shouhu.eligibility import selectors as es
    from shouhu.eligibility.models import PendingFacts, Rule, RuleKind
    from shouhu.regions.models import Region
    from shouhu.registry.models import Child, ChildStatus

    filed = ensure_safety_cases(safety_cases)
    if filed:
        print(f"filed {filed} safety reports (safety_load.py)", flush=True)
    notices = ensure_custody_notices(CUSTODY_NOTICES)
    families = ensure_families(FAMILIES)
    if notices or families:
        print(f"recorded {notices} custody notices, {families} family applications (safety_load.py)", flush=True)
    from shouhu.safeguarding.models import SafetyCase

    open_case = SafetyCase.objects.exclude(state="closed").order_by("-opened_at").values("pk", "township__code").first()
    children = Child.objects.count()
    initials = (
        Child.objects.filter(status=ChildStatus.ACTIVE, name_initials__regex=r"^[a-z]{3}$")
        .values("name_initials")
        .annotate(n=Count("id"))
        .order_by("-n", "name_initials")
        .first()
    )
    if initials is None:
        sys.exit("没有儿童：请先生成数据")
    categories = list(Rule.objects.filter(kind=RuleKind.CATEGORY).values_list("code", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT substr(c.region_code, 1, 9) AS township, e.code, count(*) AS n
                 FROM eligibility_eligibility e JOIN registry_child c ON c.id = e.child_id
                WHERE e.until IS NULL AND c.status = 'active' AND e.code = ANY(%s)
                GROUP BY 1, 2 ORDER BY n DESC LIMIT 1""",
            [categories],
        )
        best = cursor.fetchone()
    if best is None:
        sys.exit("没有筛查结果：请先运行 shouhu screen --all")
    township_prefix, code, eligible = best
    township = Region.objects.get(code=township_prefix + "000")
    caseworker = User.objects.get(username="caseworker")
    first_page = list(es.eligible_children(caseworker, township, code).values_list("child_id", flat=True)[:50])
    pages = math.ceil(eligible / 50)
    return {
        "children": children,
        "initials": initials["name_initials"],
        "initials_matches": initials["n"],
        "township": township.code,
        "township_name": township.name,
        "category": code,
        "category_label": es.code_labels()[code][0],
        "eligible": eligible,
        "list_pages": pages,
        "deep_page": PAGE if pages >= PAGE else pages,
        "child_id": first_page[0],
        "floor_ids": first_page,
        "pending": PendingFacts.objects.count(),  # children waiting for facts (the worklist's rows)
        "safety_cases": SafetyCase.objects.count(),
        "safety_case": open_case["pk"] if open_case else None,
        "safety_township": open_case["township__code"] if open_case else township.code,
    }


def pages_for(t: dict[str, Any]) -> list[dict[str, str]]:
    category_list = f"/eligibility/counts/children/?region={t['township']}&code={t['category']}"
    pages = [
        {
            "name": "floor",
            "title": "floor: bare view, same 50 rows as JSON",
            "persona": "",
            "path": "/bench/floor/?ids=" + ",".join(str(i) for i in t["floor_ids"]),
        },
        {
            "name": "search",
            "title": f"search by pinyin initials «{t['initials']}»",
            "persona": "caseworker",
            "path": f"/children/?q={t['initials']}",
        },
        {
            "name": "category_list",
            "title": f"{t['township_name']} · {t['category']} list, page 1",
            "persona": "caseworker",
            "path": category_list,
        },
        {
            "name": "category_list_deep",
            "title": f"{t['township_name']} · {t['category']} list, page {t['deep_page']} (the pager's link)",
            "persona": "caseworker",
            "path": t.get("deep_link") or f"{category_list}&page={t['deep_page']}",
        },
        {
            "name": "category_list_deep_typed",
            "title": f"{t['township_name']} · {t['category']} list, ?page={t['deep_page']} typed (no cursor)",
            "persona": "caseworker",
            "path": f"{category_list}&page={t['deep_page']}",
        },
        {"name": "child", "title": "a child's page", "persona": "caseworker", "path": f"/children/{t['child_id']}/"},
        {
            "name": "pending",
            "title": f"待补充信息 worklist, county ({t.get('pending', '?')} children), page 1",
            "persona": "caseworker",
            "path": "/eligibility/pending/",
        },
        {
            "name": "pending_filtered",
            "title": f"待补充信息 worklist, {t['township_name']} · 是否在读",
            "persona": "caseworker",
            "path": f"/eligibility/pending/?region={t['township']}&fact=enrolled",
        },
        {
            "name": "pending_director",
            "title": "待补充信息 worklist, a village director's",
            "persona": "director_a",
            "path": "/eligibility/pending/",
        },
        # The demo's safety cases (`shouhu demo load`): the list a county caseworker opens first.
        {
            "name": "safety_cases",
            "title": "安全个案, county, open",
            "persona": "caseworker",
            "path": "/safety/cases/?state=open",
        },
        {
            "name": "safety_cases_all",
            "title": f"安全个案, county, all ({t.get('safety_cases', '?')}), page 1",
            "persona": "caseworker",
            "path": "/safety/cases/",
        },
        {
            "name": "safety_cases_township",
            "title": "安全个案, a township supervisor's",
            "persona": "supervisor_a",
            "path": "/safety/cases/",
        },
        {
            "name": "safety_case",
            "title": "a safety case's page",
            "persona": "caseworker",
            "path": f"/safety/cases/{t.get('safety_case')}/",
        },
        {
            "name": "safety_cases_police",
            "title": "安全个案, the police's (县公安局 leads every case)",
            "persona": "officer_p",
            "path": "/safety/cases/?state=open",
        },
        {
            "name": "placement_families",
            "title": "爱心家庭 register (caseworker)",
            "persona": "caseworker",
            "path": "/placements/families/",
        },
        {
            "name": "guardianship_list",
            "title": "监护干预 list (caseworker)",
            "persona": "caseworker",
            "path": "/guardianship/",
        },
        {
            "name": "custody_notices",
            "title": "拘留服刑通知 list (caseworker)",
            "persona": "caseworker",
            "path": "/custody/notices/",
        },
        {
            "name": "custody_notices_police",
            "title": "拘留服刑通知 list (police)",
            "persona": "officer_p",
            "path": "/custody/notices/",
        },
        {
            "name": "my_safety_reports",
            "title": "我的报告 (reporter)",
            "persona": "reporter_a",
            "path": "/safety/reports/",
        },
    ]
    for persona, role in HOME_PERSONAS:
        pages.append({"name": f"home_{persona}", "title": f"home: {role} ({persona})", "persona": persona, "path": "/"})
    return pages


# -- the server ----------------------------------------------------------------------------------


class Server:
    def __init__(self, *, port: int, env: dict[str, str], workers: int, worker_class: str, threads: int, log: Path):
        self.port = port
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "shouhu.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--worker-class", worker_class,
            "--threads", str(threads),
            "--backlog", "2048",
            "--timeout", "60",
            "--error-logfile", str(log),
            "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _h, _b = self.request("GET", "/login/")
                if status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                sys.exit(f"gunicorn 退出了（{self.process.returncode}），见 {log}")
            time.sleep(0.5)
        self.stop()
        sys.exit(f"gunicorn 60 秒内没有响应，见 {log}")

    def request(
        self, method: str, path: str, *, cookie: str = "", body: str = "", headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            all_headers = {"X-Forwarded-Proto": "https", **(headers or {})}
            if cookie:
                all_headers["Cookie"] = cookie
            conn.request(method, path, body=body or None, headers=all_headers)
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def login(self, username: str) -> str:
        """The session cookie of `username`, through the real login form."""
        status, headers, body = self.request("GET", "/login/")
        cookies = SimpleCookie()
        for value in headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        csrf = cookies["csrftoken"].value
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert status == 200 and token, "登录页没有 CSRF 令牌"
        origin = f"https://127.0.0.1:{self.port}"
        status, headers, _ = self.request(
            "POST",
            "/login/",
            cookie=f"csrftoken={csrf}",
            body=urllib.parse.urlencode(
                {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()}
            ),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}/login/",
            },
        )
        for value in headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        if status == 302 and headers.get("Location", "").endswith("/login/code/"):
            status, headers = self.give_code(cookies, csrf, origin)
        if status != 302 or "sessionid" not in cookies:
            sys.exit(f"{username} 登录失败（{status}）")
        return f"sessionid={cookies['sessionid'].value}; csrftoken={csrf}"

    def give_code(self, cookies: SimpleCookie, csrf: str, origin: str) -> tuple[int, Any]:
        """The second step for a persona whose role signs in with a code (the demo administrator
        and caseworker carry the demo authenticator: README, "Demo")."""
        from binascii import unhexlify

        from django_otp.oath import totp

        from shouhu.accounts.signin.two_factor import DEMO_TOTP_KEY

        session = f"sessionid={cookies['sessionid'].value}; csrftoken={csrf}"
        status, _headers, body = self.request("GET", "/login/code/", cookie=session)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert status == 200 and token, "验证码页没有 CSRF 令牌"
        code = f"{totp(unhexlify(DEMO_TOTP_KEY)):06d}"
        status, headers, _ = self.request(
            "POST",
            "/login/code/",
            cookie=session,
            body=urllib.parse.urlencode({"code": code, "csrfmiddlewaretoken": token.group(1).decode()}),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}/login/code/",
            },
        )
        for value in headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        return status, headers

    def drain(self, workers: int) -> None:
        """Wait for requests a finished wrk left queued (it closes its connections, but the workers
        still answer what they accepted): one request per worker, in parallel, queues behind them."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda _: self.request("GET", "/login/"), range(workers)))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def run_wrk(
    wrk: str, lua: Path, url: str, *, cookie: str, connections: int, threads: int, duration: int
) -> dict[str, Any]:
    env = {**os.environ, "WRK_COOKIE": cookie}
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(lua),
        url,
    ]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    rps_line = re.search(r"Requests/sec:\s+([\d.]+)", out)
    seconds = raw["duration_us"] / 1e6
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1),
        "rps_wrk": float(rps_line.group(1)) if rps_line else None,
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p90_ms": round(raw["p90_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "mean_ms": round(raw["mean_us"] / 1000, 1),
        "non2xx": raw["non2xx"],
        "socket_errors": socket_errors,
        "errors": raw["non2xx"] + socket_errors,
        "bytes_per_request": round(raw["bytes"] / max(raw["requests"], 1)),
        "wrk_output": out,
    }


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One page's figures over `--runs` wrk runs: the median of each rate and percentile, the
    largest maximum, every error counted; each run's own figures are kept under "runs"."""
    medians = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50_ms", "p90_ms", "p99_ms", "mean_ms")}
    totals = {k: sum(r[k] for r in runs) for k in ("requests", "non2xx", "socket_errors", "errors")}
    return {
        **runs[-1],
        **medians,
        **totals,
        "max_ms": max(r["max_ms"] for r in runs),
        "runs": [{k: v for k, v in r.items() if k != "wrk_output"} for r in runs],
    }


def deep_link(server: Server, cookie: str, targets: dict[str, Any]) -> str:
    """Page `deep_page` as a user reaches it: the "下一页" link of the page before it."""
    base = f"/eligibility/counts/children/?region={targets['township']}&code={targets['category']}"
    status, _h, body = server.request("GET", f"{base}&page={targets['deep_page'] - 1}", cookie=cookie)
    found = re.search(rb'href="\?([^"]*)">[^<]*</a>\s*</nav>', body)
    if status != 200 or not found:
        sys.exit(f"第 {targets['deep_page'] - 1} 页没有下一页链接（{status}）")
    return "/eligibility/counts/children/?" + html.unescape(found.group(1).decode())


def check_page(server: Server, page: dict[str, str], cookie: str, targets: dict[str, Any]) -> int:
    status, _headers, body = server.request("GET", page["path"], cookie=cookie)
    if status != 200:
        sys.exit(f"{page['name']}：{page['path']} 返回 {status}")
    if b'name="password"' in body:
        sys.exit(f"{page['name']}：返回的是登录页")
    if page["name"].startswith("category_list_deep"):
        marker = f"第 {targets['deep_page']} / {targets['list_pages']} 页".encode()
        if marker not in body:
            sys.exit(f"{page['name']}：页面上没有「{marker.decode()}」")
    return len(body)


# -- report --------------------------------------------------------------------------------------


def markdown(result: dict[str, Any]) -> str:
    floor = next((p for p in result["pages"] if p["name"] == "floor"), None)
    lines = [
        "| page | req/s | p50 | p99 | errors | ratio to floor | goal | load before → after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in result["pages"]:
        ratio = f"{p['ratio_to_floor']:.2f}" if floor and p["name"] != "floor" else "1"
        goal = "—" if p["name"] == "floor" else ("met" if p["goal_met"] else "**not met**")
        lines.append(
            f"| {p['title']} | {p['rps']:,.0f} | {p['p50_ms']:.0f} ms | {p['p99_ms']:.0f} ms | {p['errors']} "
            f"| {ratio} | {goal} | {p['load_before']} → {p['load_after']} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    mem = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0"
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {"cpu": model, "nproc": os.cpu_count(), "memory_mb": int(mem) // 1024, "python": platform.python_version()}


def versions(database_url: str) -> dict[str, str]:
    import django
    import gunicorn
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()  # noqa: S607
    return {
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "psycopg": psycopg.__version__,
        "postgresql": row[0] if row else "",
        "wrk": wrk_version[0] if wrk_version else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="shouhu_web")
    parser.add_argument("--template", default="shouhu_1m")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1, help="wrk runs per page; figures are their medians")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", default="", help="comma-separated page names (floor is always run)")
    parser.add_argument("--output", default="", help="results file stem (default web-<children>)")
    parser.add_argument("--safety-cases", type=int, default=SAFETY_CASES, help="safety reports filed first if fewer")
    args = parser.parse_args()

    wrk = ensure_wrk()
    ensure_database(args.database, args.template)
    database_url = f"{PG}/{args.database}"
    data_dir = Path(tempfile.mkdtemp(prefix="shouhu-web-bench-"))
    targets = pick_targets(database_url, data_dir, safety_cases=args.safety_cases)
    print(json.dumps({k: v for k, v in targets.items() if k != "floor_ids"}, ensure_ascii=False), flush=True)
    if targets["deep_page"] != PAGE:
        print(f"注意：列表只有 {targets['list_pages']} 页，没有第 {PAGE} 页，测的是最后一页", flush=True)
    if not targets["pending"]:
        print("注意：没有待补充信息的儿童（数据库在筛查记录待补充信息之前筛查）：待补充信息页测的是空列表", flush=True)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.web_floor",
        "SHOUHU_DATABASE_URL": database_url,
        "SHOUHU_DATA_DIR": str(data_dir),
        "SHOUHU_DEBUG": "0",
        "SHOUHU_SECRET_KEY": secrets.token_urlsafe(50),
        "SHOUHU_ENCRYPTION_KEY": os.environ.get("SHOUHU_ENCRYPTION_KEY", DEV_ENCRYPTION_KEY),
        "SHOUHU_ALLOWED_HOSTS": "127.0.0.1",
        "SHOUHU_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "shouhu"), "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    lua = data_dir / "session.lua"
    lua.write_text(LUA)
    log = data_dir / "gunicorn.log"
    server = Server(
        port=args.port, env=env, workers=args.workers, worker_class=args.worker_class, threads=args.threads, log=log
    )
    result: dict[str, Any] = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "database": args.database,
        "server": {"workers": args.workers, "worker_class": args.worker_class, "threads": args.threads},
        "wrk": {
            "connections": args.connections,
            "threads": args.wrk_threads,
            "duration_s": args.duration,
            "runs": args.runs,
        },
        "targets": targets,
        "pages": [],
    }
    try:
        result["versions"] = versions(database_url)
        # Static files are served (whitenoise, hashed names from the manifest).
        status, _h, body = server.request("GET", "/login/")
        css = re.search(rb'href="(/static/[^"]+\.css)"', body)
        if css:
            status, _h, _b = server.request("GET", css.group(1).decode())
            result["static_check"] = {"path": css.group(1).decode(), "status": status}
            if status != 200:
                sys.exit(f"静态文件 {css.group(1).decode()} 返回 {status}")
        cookies = {persona: server.login(persona) for persona in {p["persona"] for p in pages_for(targets)} if persona}
        if targets["deep_page"] > 1:
            targets["deep_link"] = deep_link(server, cookies["caseworker"], targets)
        only = {x.strip() for x in args.only.split(",") if x.strip()}
        for page in pages_for(targets):
            if only and page["name"] not in only and page["name"] != "floor":
                continue
            cookie = cookies.get(page["persona"], "")
            size = check_page(server, page, cookie, targets)
            url = f"http://127.0.0.1:{args.port}{page['path']}"
            if args.warmup:
                run_wrk(wrk, lua, url, cookie=cookie, connections=args.connections, threads=args.wrk_threads,
                        duration=args.warmup)  # fmt: skip
                server.drain(args.workers * args.threads)
            before = load1()
            runs = []
            for _ in range(args.runs):
                runs.append(
                    run_wrk(
                        wrk,
                        lua,
                        url,
                        cookie=cookie,
                        connections=args.connections,
                        threads=args.wrk_threads,
                        duration=args.duration,
                    )
                )
                server.drain(args.workers * args.threads)
            row = {**page, "html_bytes": size, **median_of(runs), "load_before": before, "load_after": load1()}
            result["pages"].append(row)
            print(
                f"{page['name']:<24} {row['rps']:>7.1f} req/s  p50 {row['p50_ms']:>6.1f} ms"
                f"  p99 {row['p99_ms']:>6.1f} ms  errors {row['errors']}"
                f"  load {row['load_before']} → {row['load_after']}",
                flush=True,
            )
    finally:
        server.stop()
    errors_logged = log.read_text() if log.exists() else ""
    result["server_errors_logged"] = errors_logged[-4000:]
    floor_rps = next(p["rps"] for p in result["pages"] if p["name"] == "floor")
    for p in result["pages"]:
        p["ratio_to_floor"] = round(p["rps"] / floor_rps, 3) if floor_rps else None
        p["goal_met"] = (
            p["p99_ms"] < GOAL_P99_MS and p["errors"] == 0 and (p["ratio_to_floor"] or 0) >= GOAL_FLOOR_RATIO
        )
    table = markdown(result)
    print()
    print(table)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = args.output or f"web-{targets['children']}"
    (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    (RESULTS_DIR / f"{stem}.md").write_text(table + "\n")
    print(f"\n→ {RESULTS_DIR / stem}.json")
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
