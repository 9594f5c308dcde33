"""File uploads within what the API takes in one upload."""

import re
from typing import Any

import streamlit as st

# What the API takes in one upload (service/config.py), in MB: an ordinary request body (a CSV), a firmware file, a
# loaners answer sheet, and each of a CRM request's statement images (at most CRM_IMAGES of them)
BODY_MB = 10
FIRMWARE_MB = 200
ANSWER_SHEET_MB = 32
CRM_IMAGE_MB = 10
PHOTO_MB = 8  # a nursery adult's photo (APP_ENTRY_LOGS_PHOTO_MAX_BYTES)
CRM_IMAGES = 20


def file_uploader(
    label: str, *, key: str, limit_mb: int, files: int = 1, type: list[str] | None = None, **options: Any
) -> Any:
    """st.file_uploader that refuses a file over limit_mb itself and says its limit in Japanese: in its help (with
    the kinds of file it takes), and in its drop zone in place of Streamlit's English (assets/streamlit_ja.css; what a
    screen reader hears of it, a refused file's reason included, is put in Japanese by assets/streamlit_ja.js);
    files > 1 takes up to that many."""
    kinds = f"{'・'.join(f'.{kind}' for kind in type)}のファイル、" if type else ""
    limit = f"1ファイル{limit_mb}MBまで" + (f"・{files}ファイルまで" if files > 1 else "")
    zone = f".st-key-{re.sub(r'[^a-zA-Z0-9_-]', '-', key)} [data-testid='stFileUploaderDropzoneInstructions'] > div"
    st.html(f'<style>{zone}::after {{ content: "ここにファイルをドラッグ＆ドロップ（{limit}）"; }}</style>')
    return st.file_uploader(
        label,
        key=key,
        help=kinds + limit,
        max_upload_size=limit_mb,
        accept_multiple_files=files > 1,
        type=type,
        **options,
    )
