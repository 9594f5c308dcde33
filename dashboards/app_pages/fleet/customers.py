"""端末管理 › 顧客一覧: customers and contacts, add and edit forms, the CSV import of terminals (vendor migration)."""

import pandas as pd
import streamlit as st

from dashboards import auth, fleet_api, forms, labels
from dashboards.app_pages.fleet import common as fleet_common
from dashboards.app_pages.fleet import quiet_times as fleet_quiet_times
from dashboards.app_pages.fleet.common import field
from dashboards.components import imports, pickers, tables, uploaders, writes

PAGE = "fleet_customers"
PICKER = f"{PAGE}_selected"
NEW = f"{PAGE}_new"  # the create form
IMPORT_POLL_SECONDS = 1
IMPORT_KEY = f"{PAGE}_import_id"
MAPPING_KEY = f"{PAGE}_import_mapping"
TEMPLATE = (
    "シリアル番号,顧客企業,設置店舗名,設置日,ファームウェア\nTC200-000001,ABC商事,新宿店 レジ1番,2025-04-01,1.0.0\n"
)


def customer_row(customer: dict) -> dict:
    head = fleet_common.headers("customer")
    return {
        "ID": customer["id"],
        head["company_name"]: customer["company_name"],
        **{head[name]: fleet_common.contact(customer, name) for name in fleet_common.CONTACTS},
        head["contract_type"]: customer["contract_type_label"],
    }


def column_widths() -> dict[str, int]:
    """Within 1440 px (fleet_common.TABLE_WIDTH_PX): the contacts support needs; 登録日時 left the list to make room."""
    head = fleet_common.headers("customer")
    return {
        "ID": 60,
        head["company_name"]: 230,
        head["contact_person"]: 120,
        head["contact_email"]: 220,
        head["contact_phone"]: 130,
        head["contract_type"]: 140,
    }


def validate(values: dict) -> list[str]:
    """The API's rules for a customer, checked before anything is sent."""
    errors = []
    company, person, phone = (field("customer", name) for name in ("company_name", "contact_person", "contact_phone"))
    if not 1 <= len(values["company_name"]) <= (company.max_chars or 0):
        errors.append(f"{company.label}は1〜{company.max_chars}文字で入力してください。")
    errors += [field("customer", name).required_message() for name in fleet_common.CONTACTS if not values[name]]
    if len(values["contact_person"]) > (person.max_chars or 0):
        errors.append(f"{person.label}は{person.max_chars}文字以内で入力してください。")
    email = field("customer", "contact_email")
    errors += email.pattern_problems(values["contact_email"]) if values["contact_email"] else []
    errors += phone.pattern_problems(values["contact_phone"]) if values["contact_phone"] else []
    if len(values["contact_phone"]) > (phone.max_chars or 0):
        errors.append(f"{phone.label}は{phone.max_chars}文字以内で入力してください。")
    return errors


def customer_fields(prefix: str, customer: dict | None = None) -> dict:
    """The customer inputs (inside a form), prefilled when editing; returns the stripped values."""
    current = customer or {}
    contract_types = field("customer", "contract_type").choices
    contracts = list(contract_types)
    return {
        "company_name": st.text_input(
            **field("customer", "company_name").text(), value=current.get("company_name", ""), key=f"{prefix}_name"
        ).strip(),
        "contact_person": st.text_input(
            **field("customer", "contact_person").text(),
            value=current.get("contact_person", ""),
            key=f"{prefix}_person",
        ).strip(),
        "contact_email": st.text_input(
            **field("customer", "contact_email").text(), value=current.get("contact_email", ""), key=f"{prefix}_email"
        ).strip(),
        "contact_phone": st.text_input(
            **field("customer", "contact_phone").text(),
            value=current.get("contact_phone", ""),
            key=f"{prefix}_phone",
            placeholder="03-1234-5678",
        ).strip(),
        "contract_type": st.selectbox(
            field("customer", "contract_type").label,
            contracts,
            index=contracts.index(current.get("contract_type", "basic")),
            format_func=contract_types.__getitem__,
            key=f"{prefix}_contract",
        ),
    }


def create_form() -> None:
    with st.expander("顧客を追加", icon=":material/add_business:"):
        with st.form(f"{PAGE}_create"):
            values = customer_fields(forms.prefix(NEW))
            submitted = st.form_submit_button("追加", type="primary")
    if submitted and not writes.show_errors(validate(values)):
        writes.act(
            PAGE,
            lambda: fleet_api.create_customer(values),
            f"顧客「{labels.plain(values['company_name'])}」を追加しました。",
            form=NEW,
        )


def edit_form(customer: dict) -> None:
    missing = [label for name, label in fleet_common.contact_labels().items() if not customer[name]]
    if missing:
        st.warning(f"{'・'.join(missing)}が{fleet_common.MISSING}です。入力してから保存してください。")
    with st.form(f"{PAGE}_edit_{customer['id']}"):
        values = customer_fields(f"{PAGE}_edit_{customer['id']}", customer)
        submitted = st.form_submit_button("保存", type="primary")
    if not submitted or writes.show_errors(validate(values)):
        return
    changes = {field: value for field, value in values.items() if value != customer[field]}
    writes.act(
        PAGE,
        lambda: fleet_api.update_customer(customer["id"], changes),
        f"顧客「{labels.plain(values['company_name'])}」を保存しました。",
        changed=bool(changes),
    )


def contact_card(customer: dict) -> None:
    """What support needs to call the customer (§4.2 顧客連絡)."""
    st.markdown(
        f"**{labels.plain(customer['company_name'])}**（{customer['contract_type_label']}）  \n"
        f"担当者: {labels.plain(fleet_common.contact(customer, 'contact_person'))}　"
        f"メール: {labels.plain(fleet_common.contact(customer, 'contact_email'))}　"
        f"電話: {labels.plain(fleet_common.contact(customer, 'contact_phone'))}"
    )


def customer_detail(user: dict, shown: list[dict]) -> None:
    by_id = {customer["id"]: customer for customer in shown}
    chosen = pickers.record_picker(
        "顧客を選択",
        {i: customer["company_name"] for i, customer in by_id.items()},
        PICKER,
        placeholder="顧客を選択",
    )
    if chosen is None:
        return
    if fleet_common.may(user, fleet_common.ADMIN):
        edit_form(by_id[chosen])
        fleet_quiet_times.business_hours_form(by_id[chosen])
    else:
        contact_card(by_id[chosen])
        st.markdown(f"**営業時間**（日本時間）: {fleet_quiet_times.hours_text(by_id[chosen])}")
    fleet_quiet_times.windows_panel(by_id[chosen], may_edit=fleet_common.may(user, fleet_common.OPERATOR))


def send_terminals(upload: imports.Upload, columns: str | None) -> dict:
    job = fleet_api.start_import(upload.name, upload.content, columns)
    st.session_state[IMPORT_KEY] = job["id"]
    return job


def start_import(upload) -> None:
    content = upload.getvalue() if upload else b""
    if not content:
        st.error("取り込むファイルを選択してください。")
        return
    if imports.send(MAPPING_KEY, imports.Upload(upload.name, content), send_terminals) is not None:
        st.rerun()


def import_result(job: dict) -> None:
    st.success(f"取込が完了しました: 全{job['total_rows']:,}行のうち {job['accepted_rows']:,}台を登録しました。")
    if not job["rejected_rows"]:
        return
    st.warning(f"{job['rejected_rows']:,}行は取り込めませんでした。内容を直して、その行だけ再度取り込んでください。")
    imports.listed_in_part(len(job["rejected"]), job["rejected_rows"])
    serial = fleet_common.headers("terminal")["serial_number"]
    rows = [
        {"行": row["row"], serial: row["serial_number"], "理由": "、".join(row["errors"])} for row in job["rejected"]
    ]
    frame = pd.DataFrame(rows)
    st.dataframe(frame, hide_index=True)
    st.download_button(
        "取り込めなかった行（CSV）",
        frame.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"rejected_{job['id']}.csv",
        mime="text/csv",
        key=f"{PAGE}_rejected_csv",
        icon=":material/download:",
    )


def import_progress(import_id: int) -> None:
    """The job's progress; polls every second while it runs, then shows the report of rejected rows."""
    job = fleet_api.import_progress(import_id)
    finished = job["status"] in ("done", "failed")
    if not finished:
        imports.progress(job["status"], job["status_label"], job["filename"], job["processed_rows"], job["total_rows"])
    elif job["status"] == "failed":
        st.error(f"取込に失敗しました: {labels.plain(job['error'])}")
    else:
        import_result(job)
    if finished and st.session_state.get(f"{PAGE}_polling"):
        st.session_state[f"{PAGE}_polling"] = False
        st.rerun()


def import_panel() -> None:
    with st.expander(
        "端末のCSV取込（現行ベンダーからの移行）",
        icon=":material/upload_file:",
        expanded=IMPORT_KEY in st.session_state,
    ):
        st.caption(
            "列: シリアル番号・顧客企業（会社名または顧客ID）・設置店舗名（必須）、設置日・ファームウェア（任意）。"
            f"{imports.FILE_KINDS}で、表題の行があっても構いません。列名が違うときは、どの列にあたるかを選べます。"
            "一度に50,000行まで。"
        )
        st.download_button(
            "ひな形CSV",
            TEMPLATE.encode("utf-8-sig"),
            file_name="terminals_template.csv",
            mime="text/csv",
            key=f"{PAGE}_template",
            icon=":material/download:",
        )
        with st.form(f"{PAGE}_import", clear_on_submit=True):
            upload = uploaders.file_uploader(
                "端末一覧のファイル", type=imports.TYPES, key=f"{PAGE}_import_file", limit_mb=uploaders.BODY_MB
            )
            submitted = st.form_submit_button("取込を開始", type="primary")
        if submitted:
            start_import(upload)
        if imports.mapping_step(MAPPING_KEY, send_terminals) is not None:
            st.rerun()
        if IMPORT_KEY in st.session_state:
            running = fleet_api.import_progress(st.session_state[IMPORT_KEY])["status"] not in ("done", "failed")
            st.session_state[f"{PAGE}_polling"] = running
            st.fragment(import_progress, run_every=IMPORT_POLL_SECONDS if running else None)(
                st.session_state[IMPORT_KEY]
            )


user = auth.require_page(__file__)
st.title("顧客一覧")
writes.show_flash(PAGE)
query = st.text_input("検索", key=f"{PAGE}_q", placeholder="会社名の一部").strip()
listed = tables.paginated_table(
    PAGE,
    fleet_api.list_customers,
    customer_row,
    filters={"q": query},
    export="/fleet/customers/export",
    table=lambda frame, items: tables.record_table(
        PAGE, frame, items, picker=PICKER, column_config=fleet_common.fitted_columns(column_widths())
    ),
)
if listed["items"]:
    customer_detail(user, listed["items"])
if fleet_common.may(user, fleet_common.ADMIN):
    if fleet_common.unrestricted(user):
        create_form()
    import_panel()
