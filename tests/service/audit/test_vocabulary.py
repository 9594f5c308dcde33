"""The audit log in words: every action the code writes and every status it stores has Japanese words, and the log's
API answers each entry with its action, target (kind and name) and changes in words beside the codes."""

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import service.main  # noqa: F401 - every router, so every domain's labels, as the running service has them
from service.audit import service as audit
from service.audit import vocabulary
from service.audit.service import Actor
from service.database import Base, session_scope
from service.roles import DOMAINS, PLATFORM
from service.words import COMMON_ACTIONS, VOCABULARIES, vocabulary_of
from tests.factories import auth_headers, make_user
from tests.service.entry_logs.world import make_world
from tests.service.reservations.conftest import catalog, headers_for  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [path for folder in ("service", "jobs") for path in sorted((ROOT / folder).rglob("*.py"))]
WRITER = "record"  # service.audit.service.record: every entry is written through it
HOLDERS = {"audit", "auditing"}  # the modules an audit writer is called on
# Status columns whose values are the words themselves: a loaners form's answers (「1.貸出中」), shown as answered.
ANSWERED_STATUSES = {"loaners_device", "loaners_submission"}
STATUS_NAMES = {"status", "to_status", "from_status", "reported_status"}
PROVIDER_WIRE = ROOT / "service" / "outbox" / "providers"  # the providers' own status words, not ours
PLATFORM_STATUS_HOLDERS = (ROOT / "service" / "outbox", ROOT / "service" / "documents.py")  # the platform's tables


def area_of(path: Path) -> str:
    """The domain a module writes for: its domain package (or its demo module), else the platform."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[:1] == ("service",) and len(parts) > 2 and parts[1] in DOMAINS:
        return parts[1]
    if parts[:2] == ("service", "demo") and parts[-1] in DOMAINS:
        return parts[-1]
    return PLATFORM


@dataclass(frozen=True)
class Written:
    """One action argument of a call to an audit writer, and the function it is written in."""

    path: Path
    line: int
    expression: ast.expr
    function: ast.FunctionDef | None
    module: ast.Module


def parameters(function: ast.FunctionDef) -> list[str]:
    return [a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)]


def action_argument(call: ast.Call, positions: set[int | None]) -> ast.expr | None:
    """The call's action: its `action=`, else the argument where a writer of that name takes it."""
    named = [keyword.value for keyword in call.keywords if keyword.arg == "action"]
    placed = [call.args[p] for p in sorted(positions - {None}) if len(call.args) > p]
    return (named or placed or [None])[0]


def callee(call: ast.Call) -> str | None:
    """The called function's name when it may be an audit writer: a bare name or one on audit/auditing."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        return call.func.attr if call.func.value.id in HOLDERS else None
    return None


def calls_with_functions(tree: ast.AST) -> Iterator[tuple[ast.Call, ast.FunctionDef | None]]:
    """Every call with its innermost enclosing function."""

    def visit(node: ast.AST, function: ast.FunctionDef | None) -> Iterator[tuple[ast.Call, ast.FunctionDef | None]]:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Call):
                yield child, function
            yield from visit(child, inner)

    yield from visit(tree, None)


def action_position(function: ast.FunctionDef) -> int | None:
    positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    return positional.index("action") if "action" in positional else None


def audit_writers(trees: dict[Path, ast.Module]) -> dict[str, set[int | None]]:
    """The functions that write an entry with the action they are given: audit.record and, to a fixpoint, every
    function passing its own `action` on to one of them (name -> the action's positions, None: keyword-only)."""
    functions = [
        node
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and "action" in parameters(node)
    ]
    writers: dict[str, set[int | None]] = {WRITER: {None}}
    done: set[ast.FunctionDef] = set()
    grew = True
    while grew:
        grew = False
        for function in functions:
            if function in done:
                continue
            for call, _ in calls_with_functions(function):
                name = callee(call)
                argument = action_argument(call, writers[name]) if name in writers else None
                if isinstance(argument, ast.Name) and argument.id == "action":
                    writers.setdefault(function.name, set()).add(action_position(function))
                    done.add(function)
                    grew = True
                    break
    return writers


def written_actions() -> Iterator[Written]:
    trees = {path: ast.parse(path.read_text(), str(path)) for path in SOURCES}
    writers = audit_writers(trees)
    for path, tree in trees.items():
        for call, function in calls_with_functions(tree):
            name = callee(call)
            argument = action_argument(call, writers[name]) if name in writers else None
            if argument is not None:
                yield Written(path, call.lineno, argument, function, tree)


def assigned_in(name: str, nodes: Iterator[ast.AST]) -> list[ast.expr]:
    """The values the assignments among the nodes give the name."""
    return [
        node.value
        for node in nodes
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]


def codes(expression: ast.expr, function: ast.FunctionDef | None, module: ast.Module) -> list[str | re.Pattern] | None:
    """The action codes an expression can be: literals, either side of a conditional, a name assigned them in the
    function (else a module constant), or an f-string's pattern; [] for the function's own `action` parameter (its
    callers say), None when the code cannot be read from the source."""
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return [expression.value]
    if isinstance(expression, ast.IfExp):
        body, orelse = codes(expression.body, function, module), codes(expression.orelse, function, module)
        return None if body is None or orelse is None else body + orelse
    if isinstance(expression, ast.JoinedStr):
        parts = [re.escape(p.value) if isinstance(p, ast.Constant) else "[a-z_]+" for p in expression.values]
        return [re.compile("".join(parts))]
    if isinstance(expression, ast.Name):
        if function is not None and expression.id in parameters(function):
            return []
        assigned = assigned_in(expression.id, ast.walk(function)) if function is not None else []
        assigned = assigned or assigned_in(expression.id, iter(module.body))
        found = [codes(value, function, module) for value in assigned]
        return None if not found or None in found else [code for some in found for code in some]
    return None


def test_every_action_the_code_writes_has_words():
    """An action written anywhere (a literal, a conditional, an f-string family) reads in Japanese in its domain's
    vocabulary; an action the source does not spell out fails here, so a new one cannot slip in without words."""
    written = list(written_actions())
    missing, unreadable, seen = [], [], set()
    for item in written:
        where = f"{item.path.relative_to(ROOT)}:{item.line}"
        found = codes(item.expression, item.function, item.module)
        if found is None:
            unreadable.append(f"{where} {ast.unparse(item.expression)}")
            continue
        known = vocabulary_of(area_of(item.path))
        for code in found:
            if isinstance(code, re.Pattern):
                labelled = [action for action in (*known.actions, *COMMON_ACTIONS) if code.fullmatch(action)]
                if not labelled:
                    missing.append(f"{where} {code.pattern}")
                seen.update(labelled)
            elif known.action(code) is None:
                missing.append(f"{where} {code}")
            else:
                seen.add(code)
    assert unreadable == []
    assert missing == []
    assert {"create_shop", "status_change", "login", "rollout_paused", "soft_delete", "submit_status"} <= seen


def test_every_domain_registers_its_audit_words():
    assert set(VOCABULARIES) == set(DOMAINS)


def test_an_action_worded_by_another_table_names_a_known_action_and_table():
    for domain, words in VOCABULARIES.items():
        for action, table in words.action_tables.items():
            assert words.action(action), f"{domain}: {action} has no words"
            assert table in Base.metadata.tables, f"{domain}: {action} names no table ({table})"


# --- statuses ------------------------------------------------------------------------------------------------------


def test_every_status_column_has_words_for_each_value_and_its_default():
    """Every table with a status column names its words in its domain's vocabulary, its default among them."""
    statuses = {table: words for v in VOCABULARIES.values() for table, words in v.statuses.items()}
    for table in Base.metadata.sorted_tables:
        column = table.c.get("status")
        if column is None or table.name in ANSWERED_STATUSES:
            continue
        assert table.name in statuses, f"{table.name}.status has no words"
        assert all(isinstance(label, str) and label for label in statuses[table.name].values())
        if column.default is not None:
            assert column.default.arg in statuses[table.name], table.name


def constants(trees: list[ast.Module]) -> dict[str, list[str]]:
    """Module-level string constants (and tuples of them) of these modules, by name."""
    found: dict[str, list[str]] = {}
    for tree in trees:
        for node in tree.body:
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                values = (
                    node.value.elts
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                    else [node.value]
                )
                for name, value in zip(names, values, strict=False):
                    strings = literal_strings(value, {})
                    if isinstance(name, ast.Name) and strings:
                        found.setdefault(name.id, []).extend(strings)
    return found


def literal_strings(expression: ast.expr, known: dict[str, list[str]]) -> list[str]:
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return [expression.value]
    if isinstance(expression, ast.Tuple | ast.List | ast.Set):
        return [value for element in expression.elts for value in literal_strings(element, known)]
    if isinstance(expression, ast.IfExp):
        return literal_strings(expression.body, known) + literal_strings(expression.orelse, known)
    if isinstance(expression, ast.Name):
        return known.get(expression.id, [])
    return []


def is_status(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr in STATUS_NAMES


def stored_statuses(tree: ast.Module, known: dict[str, list[str]]) -> Iterator[tuple[int, str]]:
    """Status values a module writes or looks for: assigned to x.status, passed as status=, a "status" key, compared
    with x.status or in x.status.in_(...)."""
    for node in ast.walk(tree):
        values: list[ast.expr] = []
        if isinstance(node, ast.Assign) and any(is_status(target) for target in node.targets):
            values = [node.value]
        elif isinstance(node, ast.Call):
            values = [k.value for k in node.keywords if k.arg in STATUS_NAMES]
            if isinstance(node.func, ast.Attribute) and node.func.attr == "in_" and is_status(node.func.value):
                values += node.args
        elif isinstance(node, ast.Dict):
            values = [
                v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value in STATUS_NAMES
            ]
        elif isinstance(node, ast.Compare) and any(is_status(side) for side in (node.left, *node.comparators)):
            values = [side for side in (node.left, *node.comparators) if not is_status(side)]
        for value in values:
            for code in literal_strings(value, known):
                yield node.lineno, code


def test_every_status_the_code_stores_has_words():
    """A status value a domain's code stores or looks for is one its vocabulary has words for (the statuses of its
    tables and the platform's), so no page or log shows a bare code."""
    by_area: dict[str, list[Path]] = {}
    for path in SOURCES:
        area = area_of(path)
        holder = area != PLATFORM or any(path.is_relative_to(place) for place in PLATFORM_STATUS_HOLDERS)
        if holder and not path.is_relative_to(PROVIDER_WIRE):
            by_area.setdefault(area, []).append(path)
    missing = []
    for area, paths in by_area.items():
        words = {code for v in (area, PLATFORM) for table in vocabulary_of(v).statuses.values() for code in table}
        trees = {path: ast.parse(path.read_text(), str(path)) for path in paths}
        known = constants(list(trees.values()))
        for path, tree in trees.items():
            for line, code in stored_statuses(tree, known):
                if code not in words and code.isascii():
                    missing.append(f"{path.relative_to(ROOT)}:{line} {code}")
    assert missing == []


# --- entries in words -------------------------------------------------------------------------------------------


def wording(domain: str, target_type: str) -> vocabulary.Wording:
    known = vocabulary_of(domain)
    return vocabulary.Wording(known, known.targets.get(target_type), None)


def test_values_read_as_words():
    site = wording("crm", "site")
    assert (
        site.changes_text({"status": {"before": "in_progress", "after": "submitted"}}) == "ステータス: 対応中 → 投入済"
    )
    shop = wording("reservations", "shop")
    assert shop.change("active", {"before": True, "after": False}).text == "有効: 有効 → 無効"  # the column's words
    location = wording("loaners", "location")
    assert (
        location.change("notify_status_change", {"before": False, "after": True}).text == "ステータス変更通知: OFF → ON"
    )
    assert shop.change("notes", {"before": None, "after": "駐車場あり"}).text == "備考: （なし） → 駐車場あり"
    assert shop.change("name", "新宿店").before_label is None
    corporation = wording("crm", "corporation")
    hidden = corporation.change("credit_card_number", {"before": audit.REDACTED, "after": audit.REDACTED})
    assert (hidden.field_label, hidden.after_label) == ("クレジットカード番号", "（非表示）")
    key = wording("fleet", "terminal").change("expires_at", {"before": None, "after": "2026-01-05T00:30:00+00:00"})
    assert key.after_label == "2026-01-05 09:30"
    resubmitted = wording("crm", "request").change("changed", {"remarks": {"before": "a", "after": "b"}})
    assert resubmitted.text == "変更内容: 備考: a → b"
    grant = vocabulary.Wording(vocabulary_of(PLATFORM), vocabulary_of(PLATFORM).targets["grant"], "3:fleet")
    assert grant.change("role", {"before": None, "after": "viewer"}).after_label == "閲覧のみ"


def test_the_log_answers_actions_targets_and_changes_in_words(client, db, catalog):  # noqa: F811 - fixture
    admin = auth_headers(make_user(db, "root", grants={"platform": "admin"}))
    operator = headers_for(db, "operator")
    db.commit()
    shop = client.post(
        "/api/reservations/shops",
        json={"name": "新宿クリーン", "phone": "03-1234-5678", "service_type_ids": [catalog["service_id"]]},
        headers=operator,
    ).json()
    assert client.patch(f"/api/reservations/shops/{shop['id']}", json={"active": False}, headers=operator).is_success
    listed = client.get("/api/admin/audit", params={"action": "update_shop"}, headers=admin).json()["items"]
    assert [(e["action"], e["action_label"], e["target_type"], e["target_label"]) for e in listed] == [
        ("update_shop", "提携店の更新", "shop", "提携店 新宿クリーン")
    ]
    assert listed[0]["domain_label"] == "予約" and listed[0]["changes"] == {"active": {"before": True, "after": False}}
    assert listed[0]["changed_fields"] == [
        {
            "field": "active",
            "field_label": "有効",
            "before": True,
            "after": False,
            "before_label": "有効",
            "after_label": "無効",
        }
    ]
    assert client.delete(f"/api/reservations/shops/{shop['id']}", headers=operator).status_code == 204
    deleted = client.get("/api/admin/audit", params={"action": "delete_shop"}, headers=admin).json()["items"]
    assert deleted[0]["target_label"] == "提携店 新宿クリーン"  # gone from its table: named by the entry itself
    services = next(c for c in deleted[0]["changed_fields"] if c["field"] == "service_type_ids")
    assert (services["field_label"], services["before_label"]) == ("対応サービス", "ハウスクリーニング")
    with session_scope() as s:
        audit.record(
            s, actor=Actor("user", "9", "op"), action="status_change", domain="crm", target_type="site", target_id=8
        )
    site = client.get("/api/admin/audit", params={"domain": "crm"}, headers=admin).json()["items"][0]
    assert (site["action_label"], site["target_label"]) == ("ステータス変更", "地点 #8")
    words = client.get("/api/admin/audit/vocabulary", headers=admin).json()
    assert words["actions"]["create_shop"] == "提携店の登録" and words["target_types"]["shop"] == "提携店"
    assert words["domains"]["crm"] == "代理店CRM"


def changed(client, admin: dict, target_type: str) -> list[tuple[str, str | None, str]]:
    """The newest entry's changes of a kind of target, in words: (field, before, after)."""
    entry = client.get("/api/admin/audit", params={"target_type": target_type}, headers=admin).json()["items"][0]
    return [(c["field_label"], c["before_label"], c["after_label"]) for c in entry["changed_fields"]]


def test_a_grants_scope_and_the_group_giving_it_read_as_names(client, db):
    admin = auth_headers(make_user(db, "root", grants={"platform": "admin"}))
    nursery = make_world(db, "sakura", name="さくら保育園").nursery
    person = make_user(db, "hoiku", name="保育 花子")
    db.commit()
    grants = f"/api/admin/users/{person.id}/grants/entry_logs"
    assert client.put(grants, json={"role": "staff", "scope": str(nursery.id)}, headers=admin).is_success
    assert changed(client, admin, "grant") == [("役割", "（なし）", "園スタッフ"), ("範囲", "（なし）", "さくら保育園")]

    group = client.post("/api/admin/groups", json={"display_name": "さくら組", "member_ids": []}, headers=admin).json()
    put = client.put(
        f"/api/admin/groups/{group['id']}/grants/fleet", json={"role": "viewer", "scope": None}, headers=admin
    )
    assert put.is_success
    members = {"display_name": "さくら組", "member_ids": [person.id]}
    assert client.patch(f"/api/admin/groups/{group['id']}", json=members, headers=admin).is_success
    given = client.get("/api/admin/audit", params={"target_type": "grant"}, headers=admin).json()["items"][0]
    assert given["target_label"] == "権限 保育 花子（端末管理）"
    assert ("付与したグループ", "さくら組") in [(c["field_label"], c["after_label"]) for c in given["changed_fields"]]


def test_the_log_is_filtered_by_the_name_of_who_acted(client, db):
    root = make_user(db, "root", name="管理 太郎", grants={"platform": "admin"})
    kimura = make_user(db, "kimura", name="木村 花子", grants={"platform": "admin"})
    db.commit()
    for by, login in ((root, "sato"), (kimura, "suzuki"), (kimura, "tanaka")):
        new = {"login_id": login, "name": login, "password": "long-enough-1"}
        assert client.post("/api/admin/users", json=new, headers=auth_headers(by)).status_code == 201

    def acted(name: str) -> list[str]:
        listed = client.get("/api/admin/audit", params={"actor": name}, headers=auth_headers(root)).json()
        return [entry["actor_name"] for entry in listed["items"]]

    assert acted("木村") == ["木村 花子（kimura）"] * 2
    assert acted("管理 太郎") == ["管理 太郎（root）"]
    kimura.name = "山田 花子"
    db.commit()
    assert acted("山田") == acted("木村") == ["山田 花子（kimura）"] * 2  # as called now, or as the entry recorded
    assert acted("kimura") == []  # a login id is not a name
