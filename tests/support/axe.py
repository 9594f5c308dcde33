"""axe-core, the accessibility engine browsers' own audits run, injected into a page by Playwright: the WCAG 2.2 A and
AA rules (JIS X 8341-3's level AA) run on what the page shows, and the violations whose impact is serious or critical
are named, one line each, with the elements they were found on (the first one's HTML and why it failed)."""

from playwright.sync_api import Page

from tools.js_check import JSCHECK, ensure_node_packages

AXE_SCRIPT = JSCHECK / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")
RUN = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
    .then(result => result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 3).map(node => node.target.join(" ")),
        first: v.nodes[0].html.slice(0, 200) + " " + v.nodes[0].failureSummary})))"""


def serious_violations(page: Page, where: str) -> list[str]:
    """The page's serious and critical WCAG 2.2 AA violations, as `where: rule (impact): help — elements`."""
    ensure_node_packages()
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    return [
        f"{where}: {found['id']} ({found['impact']}): {found['help']} — {', '.join(found['targets'])}"
        f"; first: {found['first']}"
        for found in page.evaluate(RUN, WCAG_AA)
        if found["impact"] in FAILING_IMPACTS
    ]
