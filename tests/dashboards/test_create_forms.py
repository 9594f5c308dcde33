"""Every create form keeps what was meant (dashboards/forms.py): a form whose save starts it again (writes.act
with form=, or forms.clear) keys its widgets by round (forms.key / forms.prefix), because a browser keeps a widget's
value for as long as its key lives; and no form clears on submit (st.form(clear_on_submit=True)), which would empty
it even when its save is refused, except a form where nothing is typed (a file and a choice of where it goes). What
a form does in a browser and in AppTest is tested page by page (test_reservations_support.py,
tests/browser/test_forms.py, the refused and the second entry in test_fleet_firmware.py); this check fails on a form
that is not built that way."""

import ast
from pathlib import Path

PAGES = Path(__file__).resolve().parents[2] / "dashboards" / "app_pages"
WIDGETS = {
    "text_input",
    "text_area",
    "selectbox",
    "multiselect",
    "number_input",
    "date_input",
    "time_input",
    "checkbox",
    "radio",
    "pills",
    "segmented_control",
}
TYPED = {"text_input", "text_area", "number_input"}


def called(node: ast.AST) -> set[str]:
    """The names of what is called under node (the last part of e.g. st.text_input)."""
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def starts_again(function: ast.FunctionDef) -> bool:
    """The function saves a form that starts again after its save: act(..., form=...) or forms.clear(...)."""
    for call in ast.walk(function):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            continue
        if call.func.attr == "act" and any(keyword.arg == "form" for keyword in call.keywords):
            return True
        if (call.func.attr, getattr(call.func.value, "id", "")) == ("clear", "forms"):
            return True
    return False


def form_blocks(function: ast.FunctionDef) -> list[ast.AST]:
    """The function's st.form blocks; the whole function when it has none (its widgets are the form)."""
    blocks: list[ast.AST] = [
        block
        for block in ast.walk(function)
        if isinstance(block, ast.With) and any("form" in called(item.context_expr) for item in block.items)
    ]
    return blocks or [function]


def plain_keys(function: ast.FunctionDef) -> list[int]:
    """Lines of a form's widgets keyed with a text of their own (an f-string or a literal), not by its round."""
    lines = []
    for call in (node for block in form_blocks(function) for node in ast.walk(block)):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in WIDGETS:
            key = next((keyword.value for keyword in call.keywords if keyword.arg == "key"), None)
            if isinstance(key, ast.JoinedStr | ast.Constant):
                lines.append(call.lineno)
    return lines


def clearing_forms(tree: ast.Module) -> list[int]:
    """Lines of st.form(clear_on_submit=True) blocks where something is typed."""
    lines = []
    for block in ast.walk(tree):
        if not isinstance(block, ast.With):
            continue
        for item in block.items:
            call = item.context_expr
            clears = isinstance(call, ast.Call) and any(
                keyword.arg == "clear_on_submit" and getattr(keyword.value, "value", False) for keyword in call.keywords
            )
            body = set().union(*(called(statement) for statement in block.body))
            if clears and body & TYPED:
                lines.append(block.lineno)
    return lines


def forms_that_start_again() -> list[str]:
    """`page function` of each function that saves a form that starts again (tests/dashboards/test_second_entry.py
    walks each)."""
    return [
        f"{path.relative_to(PAGES)} {function.name}"
        for path in sorted(PAGES.rglob("*.py"))
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(function, ast.FunctionDef) and starts_again(function)
    ]


def offences() -> list[str]:
    found = []
    for path in sorted(PAGES.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        name = path.relative_to(PAGES)
        functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
        for function in filter(starts_again, functions):
            found += [
                f"{name}:{line} a widget of a form that starts again has a key of its own"
                for line in plain_keys(function)
            ]
        found += [f"{name}:{line} clears on submit, even when the save is refused" for line in clearing_forms(tree)]
    return found


def test_every_form_that_starts_again_keys_its_widgets_by_round_and_none_clears_on_a_refused_save():
    assert offences() == []


def test_the_check_sees_a_plain_key_and_a_clearing_form():
    source = """
def create_form():
    with st.form("x", clear_on_submit=True):
        name = st.text_input("名前", key=f"{PAGE}_name")
    writes.act(PAGE, lambda: save(name), "保存しました。", form="x")
"""
    tree = ast.parse(source)
    function = next(node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef))
    assert (starts_again(function), plain_keys(function), clearing_forms(tree)) == (True, [4], [3])
