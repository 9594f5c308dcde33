"""Jinja2 templates: every HTML page and mail part the service writes, the text forms with a layout (a mail's text part,
a Slack post), and the HTML the dashboards draw beside Streamlit's own elements come from a template in the
`templates/` folder beside the package that writes it (`service/outbox/templates/mail.html`,
`dashboards/app_pages/fleet/templates/status_bar.html`), rendered here with Jinja2 imported on first use.

A template's suffix says how each value it shows is escaped; a template with any other suffix is refused:
- `.html`: as HTML (autoescape). Markup the service made itself (a barcode's SVG) is passed through `made_here`;
  `linebreaksbr` shows a value's line breaks as `<br>`, each line escaped.
- `.mrkdwn`: as Slack's "Escaping text" asks (`&`, `<`, `>`), so nothing a person typed becomes a mention or a link.
- `.txt`: as written.

A name the template shows that the caller did not pass is an error, never an empty string (StrictUndefined)."""

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup

FOLDER = "templates"
HTML, SLACK, TEXT = ".html", ".mrkdwn", ".txt"
SUFFIXES = (HTML, SLACK, TEXT)
SLACK_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def slack_escaped(value: object) -> str:
    return str(value).translate(SLACK_ESCAPES)


def made_here(markup: str) -> "Markup":
    """Markup the service made itself, never from what a person typed (a barcode's SVG): shown as it is."""
    from markupsafe import Markup

    return Markup(markup)


def _html_filters() -> dict[str, Any]:
    from markupsafe import Markup, escape

    line_break = Markup("<br>\n")

    def linebreaksbr(value: object) -> Markup:
        """Each line escaped, a `<br>` between."""
        text = str(value)
        return line_break.join(text.split("\n")) if "\n" in text else escape(text)

    return {"linebreaksbr": linebreaksbr}


def suffix_of(name: str | None) -> str:
    suffix = "." + (name or "").rpartition(".")[2]
    if suffix not in SUFFIXES:
        raise ValueError(f"{name}: a template's suffix ({', '.join(SUFFIXES)}) says how its values are escaped")
    return suffix


@cache
def environment(package: str, suffix: str) -> "Environment":
    """The templates in `package`'s `templates/` folder (`service.outbox`) that end with `suffix`."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    def autoescape(name: str | None) -> bool:
        if suffix_of(name) != suffix:
            raise ValueError(f"{name}: not a {suffix} template, whose values are escaped otherwise")
        return suffix == HTML

    made = Environment(
        loader=PackageLoader(package, FOLDER),
        autoescape=autoescape,
        finalize=slack_escaped if suffix == SLACK else None,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    if suffix == HTML:
        made.filters.update(_html_filters())
    return made


def render(module: str, name: str, /, **values: Any) -> str:
    """The template `name` in the `templates/` folder beside `module` (its `__name__`; a Streamlit page, run as a
    script without one, names a module of its package: `common.__name__`)."""
    package = module.rpartition(".")[0]
    return environment(package, suffix_of(name)).get_template(name).render(values)
