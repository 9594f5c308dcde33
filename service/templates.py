"""Jinja2 templates: every HTML page and mail part the service writes, and the text forms with a layout (a mail's text
part, a Slack post), come from a template in the `templates/` folder beside the package that writes it
(`service/outbox/templates/mail.html`). One environment per such package, built on first use.

A template's suffix says how each value it shows is escaped; a template with any other suffix is refused:
- `.html`: as HTML (autoescape). Markup the service made itself (a barcode's SVG) is passed as `markupsafe.Markup`.
- `.mrkdwn`: as Slack's "Escaping text" asks (`&`, `<`, `>`), so nothing a person typed becomes a mention or a link.
- `.txt`: as written.

A name the template shows that the caller did not pass is an error, never an empty string (StrictUndefined)."""

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Jinja2 is imported where a template is first rendered, not with the app
    from jinja2 import Environment
    from jinja2.runtime import Context

FOLDER = "templates"
HTML, SLACK, TEXT = ".html", ".mrkdwn", ".txt"
SLACK_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def slack_escaped(value: object) -> str:
    return str(value).translate(SLACK_ESCAPES)


def _escapes_as_html(name: str | None) -> bool:
    suffix = "." + (name or "").rpartition(".")[2]
    if suffix not in (HTML, SLACK, TEXT):
        raise ValueError(f"{name}: a template's suffix ({HTML}, {SLACK}, {TEXT}) says how its values are escaped")
    return suffix == HTML


def _shown(context: "Context", value: object) -> object:
    """Each value a template shows, before autoescape: a Slack post's escaped as Slack asks."""
    return slack_escaped(value) if (context.name or "").endswith(SLACK) else value


@cache
def environment(package: str) -> "Environment":
    """The templates in `package`'s `templates/` folder (`service.outbox`)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context

    return Environment(
        loader=PackageLoader(package, FOLDER),
        autoescape=_escapes_as_html,
        finalize=pass_context(_shown),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def render(module: str, name: str, /, **values: Any) -> str:
    """The template `name` in the `templates/` folder beside `module` (its `__name__`)."""
    return environment(module.rpartition(".")[0]).get_template(name).render(values)
