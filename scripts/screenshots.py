"""Every persona's home page and main pages at 375 px and 1280 px, as PNG files to look at, with
each page's text scanned for what a user should never read (raw codes, English prose:
`shouhu.core.testing.raw_codes`).

Run against a served product with demo data (`make run`, or any `shouhu runserver` on a database
where `shouhu demo load` ran):

    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8000 --out var/screenshots

It prints one line per page with what the scan found and exits non-zero when something was found.
Debian's Chromium (scripts/system-deps.sh) is driven through Playwright.
"""

from __future__ import annotations

import argparse
import os
import sys
from binascii import unhexlify
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouhu.settings")

PERSONAS = ["admin", "caseworker", "supervisor_a", "director_a", "officer_a", "officer_m", "leader"]
PASSWORD = "shouhu-demo-2026"  # noqa: S105  (the demo personas' password)
WIDTHS = (1280, 375)


def demo_code() -> str:
    from django_otp.oath import totp

    from shouhu.accounts.signin.two_factor import DEMO_TOTP_KEY

    return f"{totp(unhexlify(DEMO_TOTP_KEY)):06d}"


def sign_in(page: object, base: str, persona: str) -> None:
    page.goto(f"{base}/login/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", persona)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    from shouhu.accounts.personas import signs_in_with_code

    if signs_in_with_code(persona):
        page.wait_for_url(f"{base}/login/code/")  # type: ignore[attr-defined]
        page.fill("input[name=code]", demo_code())  # type: ignore[attr-defined]
        page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/")  # type: ignore[attr-defined]


def main() -> int:
    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    from shouhu.core.testing.raw_codes import Vocabulary, raw_codes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("var/screenshots"))
    parser.add_argument("--persona", action="append", help="only these personas (repeatable)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    vocabulary = Vocabulary.from_database()
    findings = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        for persona in args.persona or PERSONAS:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            sign_in(page, args.base, persona)
            links = page.eval_on_selector_all("nav[aria-label] a", "els => els.map(e => e.getAttribute('href'))")
            urls = list(dict.fromkeys(["/", *[u for u in links if u and u.startswith("/")]]))
            for url in urls:
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    page.goto(f"{args.base}{url}")
                    slug = url.strip("/").replace("/", "_") or "home"
                    path = args.out / f"{persona}-{slug}-{width}.png"
                    page.screenshot(path=str(path), full_page=True)
                found = raw_codes(page.content(), vocabulary)
                findings += len(found)
                print(f"{persona:13} {url:40} {'; '.join(map(str, found)) if found else 'ok'}")
            context.close()
        browser.close()
    print(f"{findings} findings; screenshots in {args.out}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
