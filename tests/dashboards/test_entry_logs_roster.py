"""入退管理 › 保護者・園児管理: forms checked before sending, the roster import."""

from sqlalchemy import select

from service.database import utcnow
from service.entry_logs.models import Child, Parent
from service.job_failures import DATABASE_FAULT
from tests.dashboards.conftest import button, fill, open_page, texts
from tests.dashboards.test_entry_logs_logs import sakura, staff_of  # noqa: F401 - fixtures
from tests.jobs.test_roster_import_jobs import parents_refused  # noqa: F401 - fixture
from tests.service.entry_logs.world import add_log
from tests.support.waiting import wait_for_job
from tests.support.worker import start_worker  # noqa: F401 - the real Celery worker fixture

ROSTER = "app_pages/entry_logs/roster.py"


def submit(at, form: str, label: str):
    """Press a form's submit button (several forms on the page share a label)."""
    return at.button(key=f"FormSubmitter:entry_logs_roster_{form}_form-{label}").click().run()


def stored(db, model, **where) -> list[tuple]:
    rows = [tuple(row) for row in db.execute(select(model.name, *where.values()).order_by(model.id))]
    db.commit()
    return rows


def upload(at, content: bytes):
    at.file_uploader(key="entry_logs_roster_import_file").set_value(("roster.csv", content, "text/csv"))
    return button(at, "取込").click().run()


def table(at, index: int) -> list[dict]:
    return at.dataframe[index].value.to_dict("records")


def test_a_parent_is_added_after_the_form_checks_it(db, sakura, open_app):  # noqa: F811
    at = open_page(open_app, staff_of(db, sakura), ROSTER)

    fill(at, "entry_logs_roster_new_parent_0", name="山田花子", name_kana="Yamada", phone="090-ABCD")
    at = submit(at, "new_parent", "追加")
    assert texts(at.error) == [
        "ふりがな: 形式が正しくありません（ひらがな・カタカナと空白で入力してください）",
        "電話番号: 形式が正しくありません（半角数字と「+」「-」「(」「)」・空白で入力してください）",
    ]
    assert ("山田花子",) not in stored(db, Parent)

    fill(at, "entry_logs_roster_new_parent_0", name_kana="ﾔﾏﾀﾞ ハナコ", phone="090-1234-5678")
    at = submit(at, "new_parent", "追加")

    assert texts(at.success) == ["保護者「山田花子」を追加しました。"]
    added = table(at, 0)[-1]
    assert (added["保護者名"], added["ふりがな"], added["電話番号"], added["園児"]) == (
        "山田花子",
        "やまだ はなこ",
        "090-1234-5678",
        "",
    )
    assert stored(db, Parent, phone=Parent.phone)[-1] == ("山田花子", "090-1234-5678")


def test_a_child_is_added_with_its_parents(db, sakura, open_app):  # noqa: F811
    at = open_page(open_app, staff_of(db, sakura), ROSTER)
    first, second, _ = sakura.parents

    at = submit(at, "new_child", "追加")
    assert texts(at.error) == ["園児名は1〜100文字で入力してください（改行などの制御文字は使えません）。"]

    fill(at, "entry_logs_roster_new_child_0", name="山田太郎", name_kana="山田", **{"class": "きりん組"})
    at = submit(at, "new_child", "追加")
    assert texts(at.error) == ["ふりがな: 形式が正しくありません（ひらがな・カタカナと空白で入力してください）"]

    fill(at, "entry_logs_roster_new_child_0", name_kana="ヤマダ タロウ")
    at.multiselect(key="entry_logs_roster_new_child_0_parents").select(first.id).select(second.id)
    at = submit(at, "new_child", "追加")

    assert texts(at.success) == ["園児「山田太郎」を追加しました。"]
    child = db.scalar(select(Child).where(Child.name == "山田太郎"))
    assert (child.name_kana, child.class_name, [p.id for p in child.parents]) == (
        "やまだ たろう",
        "きりん組",
        [first.id, second.id],
    )
    db.commit()
    children = {row["園児名"]: row for row in table(at, 1)}
    assert (children["山田太郎"]["ふりがな"], children["山田太郎"]["保護者"]) == (
        "やまだ たろう",
        "sakura保護者0、sakura保護者1",
    )
    assert "きりん組" in at.selectbox(key="entry_logs_roster_child_class").options


def test_a_parent_picked_from_the_page_is_edited(db, sakura, open_app):  # noqa: F811
    parent = sakura.parents[1]
    at = open_page(open_app, staff_of(db, sakura), ROSTER)
    at.selectbox(key="entry_logs_roster_parent").select(parent.id).run()

    fill(at, f"entry_logs_roster_parent_{parent.id}_0", name="sakura保護者1（母）", phone="")
    at = submit(at, f"parent_{parent.id}", "保存")

    assert texts(at.success) == ["保護者「sakura保護者1（母）」を保存しました。"]
    assert stored(db, Parent, phone=Parent.phone)[1] == ("sakura保護者1（母）", "")


def test_a_parent_with_logs_is_not_deleted_and_the_api_says_why(db, sakura, open_app):  # noqa: F811
    add_log(db, sakura, sakura.parents[0], "Entry", utcnow())
    db.commit()
    at = open_page(open_app, staff_of(db, sakura), ROSTER)
    at.selectbox(key="entry_logs_roster_parent").select(sakura.parents[0].id).run()
    prefix = f"entry_logs_roster_parent_{sakura.parents[0].id}_delete"

    at.checkbox(key=f"{prefix}_ok").check().run()
    at = at.button(key=prefix).click().run()

    assert texts(at.error) == ["入退ログがある保護者は削除できません（ログは保持されます）"]
    assert len(stored(db, Parent)) == 3


ROSTER_CSV = (
    "保護者名,保護者ふりがな,電話番号,園児名,園児ふりがな,クラス\n"
    "佐藤花子,サトウ ハナコ,090-1111-2222,佐藤一郎,さとう いちろう,きりん組\n"
    "佐藤花子,サトウ ハナコ,090-1111-2222,佐藤二郎,,ひよこ組\n"
    "佐藤太郎,,090-1111-3333,佐藤一郎,,きりん組\n"
    "鈴木次郎,すずき じろう,電話なし,鈴木花子,,ぞう組\n"
    ",,,名無し,,ぞう組\n"
)


def test_the_roster_import_shows_its_progress_then_what_it_added_and_the_rejected_rows(
    db,
    sakura,  # noqa: F811
    open_app,
    start_worker,  # noqa: F811
):
    at = open_page(open_app, staff_of(db, sakura), ROSTER)

    at = upload(at, ROSTER_CSV.encode("cp932"))
    assert [bar.proto.text for bar in at.get("progress")] == ["読み込み中: roster\\.csv"]  # no worker has read it yet

    start_worker()

    def finished():
        at.run()
        return texts(at.success)

    assert wait_for_job(finished, timeout=60, message="the import job to finish and the page to show it") == [
        "取込が完了しました: 5行のうち 3行を取り込みました（保護者 2人・園児 2人を追加、紐付け 3件）。"
    ]
    assert not at.get("progress")
    assert texts(at.warning) == ["2行は取り込めませんでした。内容を直して、その行だけ再度取り込んでください。"]
    rejected = at.dataframe[-1].value.to_dict("records")
    assert [(row["行"], row["理由"].split(":")[0]) for row in rejected] == [(5, "電話番号"), (6, "保護者名")]
    assert rejected[0]["内容"] == (
        "保護者名: 鈴木次郎、保護者ふりがな: すずき じろう、電話番号: 電話なし、"
        "園児名: 鈴木花子、園児ふりがな: 、クラス: ぞう組"
    )
    assert stored(db, Parent, kana=Parent.name_kana)[3:] == [("佐藤花子", "さとう はなこ"), ("佐藤太郎", "")]
    ichiro = db.scalar(select(Child).where(Child.name == "佐藤一郎"))
    assert [p.name for p in ichiro.parents] == ["佐藤花子", "佐藤太郎"]
    db.commit()


def test_an_import_ended_by_a_fault_says_why_in_japanese(
    db,
    sakura,  # noqa: F811
    open_app,
    start_worker,  # noqa: F811
    parents_refused,  # noqa: F811
):
    at = open_page(open_app, staff_of(db, sakura), ROSTER)
    at = upload(at, ROSTER_CSV.encode("cp932"))
    start_worker()

    def failed():
        at.run()
        return texts(at.error)

    assert wait_for_job(failed, timeout=60, message="the import job to fail and the page to show it") == [
        f"取込に失敗しました（0行まで処理済み）: {DATABASE_FAULT}"
    ]
    assert not at.get("progress")


def test_only_workbooks_and_csv_files_are_taken_and_missing_columns_wait_for_the_mapping_step(
    db,
    sakura,  # noqa: F811
    open_app,
):
    at = open_page(open_app, staff_of(db, sakura), ROSTER)
    assert list(at.file_uploader(key="entry_logs_roster_import_file").proto.type) == [".xlsx", ".csv"]

    at = upload(at, "氏名,クラス\n山田,きりん組\n".encode())
    assert texts(at.warning)[-1].startswith("1行目の見出しに「保護者名」・「園児名」の列が見つかりません")
    chosen = at.selectbox(key="entry_logs_roster_import_mapping_column_0")
    assert (chosen.label, chosen.options) == ("「保護者名」にあたるファイルの列", ["氏名", "クラス"])
    assert len(stored(db, Parent)) == 3
