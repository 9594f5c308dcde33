"""A kind is declared once (issue 91): no `Literal[...]` in service/ restates the codes of a table or a kind declared
elsewhere in service/ (a labels dict's keys, a `StrEnum`'s values, a fixed tuple of codes). Such a Literal drifts from
its table: fleet's 店舗オフライン was in the labels and not in the API's type, and its filter answered 422. The API
type is the kind itself (`alert_type: AlertKind | None`), and the tables derive from it."""

import ast
from collections.abc import Iterator
from pathlib import Path

SERVICE = Path(__file__).resolve().parent.parent / "service"
Codes = frozenset[str]


def _strings(nodes: list[ast.expr]) -> Codes | None:
    """The strings of a list of constants, or None when any is not one (or there are fewer than two)."""
    codes = [node.value for node in nodes if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return frozenset(codes) if len(codes) == len(nodes) and len(codes) > 1 else None


def _member_code(statement: ast.stmt) -> str | None:
    """A StrEnum member's code: `OPEN = "open"` or `OPEN = "open", "未対応"`."""
    if not isinstance(statement, ast.Assign) or not isinstance(statement.targets[0], ast.Name):
        return None
    value = statement.value.elts[0] if isinstance(statement.value, ast.Tuple) else statement.value
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None


def _enum_codes(node: ast.ClassDef) -> Codes | None:
    members = [_member_code(statement) for statement in node.body]
    return _strings([ast.Constant(code) for code in members if code is not None])


def tables(tree: ast.AST) -> Iterator[Codes]:
    """The code sets a module declares: dict keys, enum members, an UPPER_CASE tuple or list of codes."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict) and None not in node.keys:
            codes = _strings([key for key in node.keys if key is not None])
        elif isinstance(node, ast.ClassDef):
            codes = _enum_codes(node)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple | ast.List):
            named = isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper()
            codes = _strings(node.value.elts) if named else None
        else:
            codes = None
        if codes:
            yield codes


def literals(tree: ast.AST) -> Iterator[tuple[int, Codes]]:
    """(line, codes) of each `Literal[...]` of two codes or more."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", getattr(node.value, "attr", "")) == "Literal":
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            codes = _strings(elements)
            if codes:
                yield node.lineno, codes


def restated(sources: dict[str, str]) -> list[str]:
    """`path:line [codes]` of each Literal whose codes are a table's of any of the sources."""
    trees = {path: ast.parse(text) for path, text in sources.items()}
    declared = {codes for tree in trees.values() for codes in tables(tree)}
    return [
        f"{path}:{line} {sorted(codes)}"
        for path, tree in trees.items()
        for line, codes in literals(tree)
        if codes in declared
    ]


def service_sources() -> dict[str, str]:
    return {
        path.relative_to(SERVICE.parent).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(SERVICE.rglob("*.py"))
        if "migrations" not in path.parts
    }


def test_no_literal_in_the_service_restates_a_table_of_codes():
    assert restated(service_sources()) == [], "type these with the kind (a StrEnum in the domain's kinds.py)"


def test_a_literal_restating_a_labels_dict_an_enum_or_a_tuple_of_codes_is_found():
    labels = 'KINDS = {"terminal": "端末", "printer": "プリンタ"}\nTYPES = ("SV", "CL")\n'
    kinds = 'class Level(Kind):\n    INFO = "info", "情報"\n    ERROR = "error", "エラー"\n'
    schemas = (
        "Kind = Literal['printer', 'terminal']\nType = typing.Literal['CL', 'SV']\nLevel = Literal['error', 'info']\n"
        "Other = Literal['printer', 'terminal', 'other']\n"
    )
    found = restated({"labels.py": labels, "kinds.py": kinds, "schemas.py": schemas})
    restating = ["schemas.py:1 ['printer', 'terminal']", "schemas.py:2 ['CL', 'SV']", "schemas.py:3 ['error', 'info']"]
    assert found == restating  # Other's codes are no table's
