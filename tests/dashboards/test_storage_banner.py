"""The pages say 「保存領域がいっぱいです」 while the service's storage runs out (read from GET /api/ready: the banner
is drawn by the app above whichever page opens), on a real small file system filled past its floor; once room is
made the banner is gone."""

import streamlit as st

from tests.dashboards.conftest import texts
from tests.factories import make_user
from tests.support.small_disk import small_disk  # noqa: F401  (the fixture)

BANNER = (
    "保存領域がいっぱいです（データフォルダの空きが4 MBを下回っています）。"
    "不要なファイルを削除するか、ディスクを増設してください"
)


def test_the_pages_show_the_banner_while_the_storage_is_full(db, open_app, small_disk):
    operator = make_user(db, "resv-operator", grants={"reservations": "operator"})
    db.commit()
    small_disk.fill()
    full = open_app(operator)
    small_disk.make_room()
    st.cache_data.clear()  # the banner's read expires
    room_made = open_app(operator)

    assert not full.exception and texts(full.title) and BANNER in texts(full.error)
    assert not room_made.exception and texts(room_made.title) and BANNER not in texts(room_made.error)
