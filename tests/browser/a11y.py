"""axe-core in the browser journeys: every page state a journey reaches is checked against WCAG 2.1
A and AA (axe's tags wcag2a, wcag2aa, wcag21a, wcag21aa), and a violation fails the journey with
the rule, its impact, the elements, the page's URL and the viewport.

Nobody has to remember to call it: conftest.py hands the journeys a Chromium whose pages are
`CheckedPage`s, which run `check_a11y` after each navigation (goto, reload, wait_for_url,
wait_for_load_state, …) and on every page still open when its context closes (the page's last
state). A journey calls `check_a11y(page)` itself only for a state reached without a navigation
(an htmx swap, a script that shows an element) and not followed by a screenshot (conftest's
`screenshot` checks the page first). The same check fails on anything the pages'
Content-Security-Policy blocked since the last one (an inline script, style or handler): every
context collects Chromium's `securitypolicyviolation` events from an init script (CSP_COLLECT),
which the policy does not apply to. Beside axe's rules, an ARIA id reference that names no
element fails too (axe only asks for a review). Not checked again: a document already checked
and unchanged since (a MutationObserver watches it), and markup already found clean at the same
viewport size in this run (the log-in page, say), CSRF tokens aside.

axe-core itself is vendored under vendor/axe-core/ (tests only; the product never serves it)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8") + "\n;typeof axe"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
REPORT = os.environ.get("SHOUHU_A11Y_REPORT", "")

# What the check looks at: the stylesheets and the body's markup, or null when the document was
# checked and has not changed since (the observer set up after a check marks it dirty on any DOM
# change, so htmx swaps and fields shown or hidden are checked again).
MARKUP = """(force) => (!force && window.__a11yChecked && !window.__a11yDirty) ? null
  : [...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href).join(' ') + document.body.outerHTML"""
WATCH = """() => {
  window.__a11yChecked = true;
  window.__a11yDirty = false;
  if (!window.__a11yObserver) {
    window.__a11yObserver = new MutationObserver(() => { window.__a11yDirty = true; });
    window.__a11yObserver.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  }
}"""
RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  const violations = results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({
      target: n.target.join(' '),
      summary: (n.failureSummary || '').split('\\n').slice(1, 3).join(' '),
    })),
  }));
  // axe only asks for review when an aria-describedby names no element at all (and says nothing
  // when one of two is missing): a field pointing at an error or help text without that id.
  // Hidden inputs are left out: not shown, never read (Django's as_hidden keeps the attribute).
  const dangling = [];
  for (const attr of ['aria-describedby', 'aria-labelledby', 'aria-errormessage', 'aria-controls']) {
    for (const el of document.querySelectorAll(`[${attr}]:not(input[type=hidden])`)) {
      const missing = el.getAttribute(attr).split(/\\s+/).filter(id => id && !document.getElementById(id));
      if (missing.length) {
        const summary = `${attr}: no element has the id ${missing.join(', ')}`;
        dangling.push({target: el.outerHTML.slice(0, 120), summary});
      }
    }
  }
  if (dangling.length) {
    const help = 'ARIA references must name elements on the page';
    violations.push({id: 'idref-exists (Shouhu)', impact: 'serious', help, nodes: dangling});
  }
  return violations;
}"""
# Markup already found clean at a viewport size in this run (CSRF tokens, new on every page, left
# out): the same markup at the same size is not checked again, e.g. the log-in page.
TOKENS = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken&quot;: ?&quot;)[^"&]*')
PASSED: set[tuple[str, str]] = set()


CSP_COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " +
    (e.sourceFile || location.href) + ":" + e.lineNumber + " " + (e.sample || ""));
});
"""
# Django's own debug pages (a 404 in the served app, which runs with DEBUG on) carry inline styles
# and the robots meta below; production answers with our error pages (web/errors.py) instead.
TAKE_CSP = """() => {
  const taken = window.__cspViolations ? window.__cspViolations.splice(0) : [];
  return document.querySelector('meta[name=robots][content="NONE,NOARCHIVE"]') ? [] : taken;
}"""


class A11yViolation(AssertionError):
    pass


class CspViolation(AssertionError):
    pass


def format_violations(violations: list[dict[str, Any]], url: str, viewport: dict[str, int] | None) -> str:
    width = f"{viewport['width']}×{viewport['height']}" if viewport else "?"
    lines = [f"axe-core: {len(violations)} WCAG 2.1 AA violation(s) on {url} at {width}:"]
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:10]:
            lines.append(f"    {node['target']}  {node['summary']}".rstrip())
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


def check_a11y(page: Any, *, force: bool = False) -> None:
    """Run axe on the page as it is now; raise A11yViolation listing what fails. `page` is a
    Playwright Page (a CheckedPage's own, or one made without the journeys' Chromium)."""
    page = getattr(page, "_page", page)
    if page.is_closed():
        return
    for attempt in range(3):
        try:
            page.wait_for_load_state()
            blocked = page.evaluate(TAKE_CSP)
            if blocked:
                raise CspViolation(f"Content-Security-Policy blocked on {page.url}:\n  " + "\n  ".join(blocked))
            markup = page.evaluate(MARKUP, force)
            if markup is None:
                return
            size = page.viewport_size or {}
            key = (
                hashlib.sha256(TOKENS.sub(r"\1", markup).encode()).hexdigest(),
                f"{size.get('width')}×{size.get('height')}",
            )
            if key in PASSED and not force:
                page.evaluate(WATCH)
                return
            if not page.evaluate("typeof axe !== 'undefined'"):
                # Evaluated, not added as a <script>: the pages' Content-Security-Policy refuses
                # inline scripts, and an evaluation is not subject to it.
                page.evaluate(AXE_SOURCE)
            violations = page.evaluate(RUN, TAGS)
            page.evaluate(WATCH)
            break
        except CspViolation:
            raise
        except Exception as error:  # the page navigated while being checked: check the new one
            message = str(error).lower()
            if attempt == 2 or ("context was destroyed" not in message and "navigat" not in message):
                raise
    if not violations:
        PASSED.add(key)
        return
    if REPORT:  # SHOUHU_A11Y_REPORT=file: note them all and go on (to survey a page set at once)
        with open(REPORT, "a", encoding="utf-8") as out:
            entry = {"url": page.url, "viewport": page.viewport_size, "violations": violations}
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return
    raise A11yViolation(format_violations(violations, page.url, page.viewport_size))


NAVIGATIONS = {"goto", "reload", "go_back", "go_forward", "wait_for_url", "wait_for_load_state", "set_content"}


class CheckedPage:
    """A Playwright Page that checks itself with axe after each navigation method returns."""

    def __init__(self, page: Any) -> None:
        self._page = page

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._page, name)
        if name not in NAVIGATIONS:
            return attribute

        def navigate(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            check_a11y(self._page)
            return result

        return navigate


class CheckedContext:
    """A BrowserContext whose pages are CheckedPages and whose close() first checks the last
    state of each page still open."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._pages: list[CheckedPage] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def new_page(self, *args: Any, **kwargs: Any) -> CheckedPage:
        page = CheckedPage(self._context.new_page(*args, **kwargs))
        self._pages.append(page)
        return page

    def close(self, *args: Any, **kwargs: Any) -> None:
        try:
            for page in self._pages:
                check_a11y(page)
        finally:
            self._context.close(*args, **kwargs)


class CheckedBrowser:
    """The journeys' Chromium: its contexts are CheckedContexts. `close_all()` (at a test's end)
    closes, and so checks, whatever context the test left open."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self._contexts: list[CheckedContext] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, *args: Any, **kwargs: Any) -> CheckedContext:
        raw = self._browser.new_context(*args, **kwargs)
        raw.add_init_script(CSP_COLLECT)
        context = CheckedContext(raw)
        self._contexts.append(context)
        return context

    def new_page(self, *args: Any, **kwargs: Any) -> CheckedPage:
        return self.new_context(*args, **kwargs).new_page()

    def close_all(self) -> None:
        contexts, self._contexts = self._contexts, []
        errors: list[BaseException] = []
        for context in contexts:
            try:
                context.close()
            except Exception as error:  # close the others anyway, then report
                errors.append(error)
        if errors:
            raise errors[0]
