"""Statement pictures: an upload's pixels are bounded from the headers before anything is decoded, and the decoding
runs in a child process, a fresh one per upload forked by the API process's decoder, whose thumbnails are those this
process would make."""

import io
import logging
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from service.crm import storage
from service.crm.storage import CheckedUpload
from service.pictures import decoder, decoding, thumbnails
from tests.service.crm.conftest import blank_pdf, made, picture, submit
from tests.service.crm.requests.test_requests import counts, stored_files
from tests.support.waiting import wait_until

DECODER_LOG = "daicho.pictures.decoding"
KILLED_MIDWAY = (  # a decoder whose children are killed (SIGKILL, as for their memory) once they have read the pictures
    "import os, signal; from service.pictures import decoder; "
    "decoder.decode_whole = lambda *_: os.kill(os.getpid(), signal.SIGKILL); decoder.main()"
)

STALLED = (  # a decoder whose children write their pid into the file named {} and wait for a signal, never answering
    "import os, pathlib, signal; from service.pictures import decoder; "
    "decoder.decode_whole = lambda *_: pathlib.Path({!r}).write_text(str(os.getpid())) and signal.pause(); "
    "decoder.main()"
)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header says width × height over a single pixel's data: only decoding it would tell."""
    data = bytearray(picture("PNG", (1, 1)))
    ihdr = data.index(b"IHDR")  # the chunk's type, then 13 bytes of data (width, height first), then its CRC
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    return bytes(data)


def decoder_pids(caplog) -> list[int]:
    """Those of the children that decoded."""
    decoded = [record for record in caplog.records if record.name == DECODER_LOG and record.msg.startswith("decoded")]
    return [record.args[1] for record in decoded]


def bill() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("images", ("bill.jpg", picture("JPEG", (64, 48)), "image/jpeg"))]


@pytest.fixture
def decoder_log(caplog):
    with caplog.at_level(logging.INFO, logger=DECODER_LOG):
        yield caplog


@pytest.fixture
def own_decoder(monkeypatch):
    """The test's own decoder for this process, stopped after it."""
    started = decoding.DecoderProcess()
    monkeypatch.setattr(decoding, "decoder_process", started)
    yield started
    if started.popen is not None:
        socket_path = started.socket_path()
        started.popen.kill()
        started.popen.wait()
        decoder.remove(socket_path)


def test_an_upload_over_its_pixel_limit_is_refused_from_the_headers_before_any_decoding(
    client, db, world, storage_root, decoder_log
):
    claims = [("images", (f"{i}.png", png_claiming(7000, 7000), "image/png")) for i in range(3)]  # 49 Mpx each
    before = counts(db)
    response = submit(client, world.sales_a, files=claims)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"] == {
        "field": "images",
        "rule": "max_pixels_per_upload",
        "limit": 120_000_000,
        "pixels": 147_000_000,
    }
    assert response.json()["error"]["message"] == (
        "一度にアップロードできる画像の画素数は合計120,000,000画素までです（147,000,000画素）。分けてアップロードしてください"
    )
    assert decoder_pids(decoder_log) == []
    assert counts(db) == before and stored_files(storage_root) == []


def test_a_picture_whose_pixels_are_not_there_is_found_corrupt_by_the_child(client, world, decoder_log):
    files = [
        ("images", ("ok.png", picture(), "image/png")),
        ("images", ("cut.png", png_claiming(2000, 1000), "image/png")),
    ]
    response = submit(client, world.sales_a, files=files)
    assert response.status_code == 422 and response.json()["error"]["details"] == {
        "field": "images[1]",
        "rule": "image_corrupt",
    }
    assert response.json()["error"]["message"] == "cut.png: 画像が壊れているか読み取れません"
    assert len(decoder_pids(decoder_log)) == 1


@pytest.mark.dialect
def test_each_upload_is_decoded_in_a_fresh_child_into_the_thumbnails_this_process_makes(client, world, decoder_log):
    jpeg = picture("JPEG", (640, 480))
    uploads = [made(submit(client, world.sales_a, files=[("images", ("bill.jpg", jpeg, "image/jpeg"))])) for _ in "ab"]

    pids = decoder_pids(decoder_log)
    assert len(pids) == 2 and pids[0] != pids[1] and os.getpid() not in pids
    thumbnail = client.get(f"/api/crm/images/{uploads[0]['images'][0]['id']}/thumbnail", headers=world.sales_a)
    in_process = storage.make_thumbnail(CheckedUpload("bill.jpg", jpeg, "image/jpeg", "jpg", 640, 480))
    assert thumbnail.content == in_process
    assert (uploads[0]["images"][0]["width"], uploads[0]["images"][0]["height"]) == (640, 480)


def test_a_decoder_killed_midway_is_a_503_and_nothing_is_stored(
    client, db, world, storage_root, monkeypatch, own_decoder, decoder_log
):
    """A child killed for its memory (SIGKILL) leaves the upload refused as unavailable, never a 500; the decoder that
    forked it serves on."""
    monkeypatch.setattr(decoding, "SERVER", (sys.executable, "-c", KILLED_MIDWAY))
    before = counts(db)
    response = submit(client, world.sales_a, files=bill())
    assert response.status_code == 503 and response.json()["error"]["code"] == "decoder_failed"
    assert counts(db) == before and stored_files(storage_root) == []
    assert decoder_pids(decoder_log) == [] and own_decoder.popen.poll() is None


def test_a_child_silent_for_too_long_is_killed_and_its_upload_is_a_503(
    client, db, world, storage_root, monkeypatch, own_decoder, tmp_path
):
    child_pid = tmp_path / "child.pid"
    monkeypatch.setattr(decoding, "SERVER", (sys.executable, "-c", STALLED.format(str(child_pid))))
    monkeypatch.setattr(decoding, "STALLED_SECONDS", 1)
    before = counts(db)
    response = submit(client, world.sales_a, files=bill())
    assert response.status_code == 503 and response.json()["error"]["code"] == "decoder_failed"
    assert counts(db) == before and stored_files(storage_root) == []
    wait_until(lambda: gone(int(child_pid.read_text())), timeout=5, message="the silent child to be killed")
    assert own_decoder.popen.poll() is None


@pytest.mark.dialect
def test_a_decoder_that_died_is_started_again_by_the_next_upload(client, world, own_decoder, decoder_log):
    made(submit(client, world.sales_a, files=bill()))
    died, its_socket = own_decoder.popen, own_decoder.socket_path()
    died.kill()
    died.wait()

    made(submit(client, world.sales_a, files=bill()))
    assert own_decoder.popen.pid != died.pid and own_decoder.popen.poll() is None
    assert not Path(its_socket).parent.exists()  # what the killed decoder left behind is removed
    assert len(decoder_pids(decoder_log)) == 2


def gone(pid: int) -> bool:
    """Exited (a zombie only waits for whoever adopted it to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_the_decoder_and_its_socket_are_gone_soon_after_the_api_process():
    started = "d = decoding.decoder_process; print(d.socket_path(), d.popen.pid, flush=True); sys.stdin.read()"
    api = subprocess.Popen(  # an API process that has started its decoder and waits on its input until it is killed
        [sys.executable, "-c", f"import sys; from service.pictures import decoding; {started}"],
        cwd=decoding.SERVICE_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    with api.stdout:
        socket_path, pid = api.stdout.readline().split()
    api.kill()
    api.wait()
    api.stdin.close()
    wait_until(lambda: gone(int(pid)), timeout=5, message="the decoder to exit")
    assert not Path(socket_path).parent.exists()


def test_the_childs_frames_carry_every_thumbnail_and_each_corrupt_one():
    items = [b"first", None, b"", b"x" * 70_000]
    assert list(thumbnails.unframed(io.BytesIO(thumbnails.framed(items)))) == items
    with pytest.raises(ValueError):
        list(thumbnails.unframed(io.BytesIO(thumbnails.framed(items)[:-1])))


def heic(size: tuple[int, int] = (640, 480)) -> bytes:
    """An iPhone's kind of photo: HEIC, written by pillow-heif."""
    return picture("HEIF", size)


@pytest.mark.dialect
def test_an_iphone_heic_photo_is_stored_and_shown_as_a_jpeg_beside_the_others(client, world, decoder_log):
    files = [
        ("images", ("IMG_0001.HEIC", heic(), "image/heif")),
        ("images", ("bill.png", picture(), "image/png")),
        ("images", ("bill.jpg", picture("JPEG", (64, 48)), "image/jpeg")),
        ("images", ("bill.pdf", blank_pdf(), "application/pdf")),
    ]
    images = made(submit(client, world.sales_a, files=files))["images"]

    assert [image["file_name"] for image in images] == ["IMG_0001.jpg", "bill.png", "bill.jpg", "bill.pdf"]
    assert (images[0]["content_type"], images[0]["width"], images[0]["height"]) == ("image/jpeg", 640, 480)
    shown = client.get(f"/api/crm/images/{images[0]['id']}/file", headers=world.sales_a)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["content-disposition"].startswith("inline")
    with Image.open(io.BytesIO(shown.content)) as stored:
        assert (stored.format, stored.size) == ("JPEG", (640, 480))
    assert len(decoder_pids(decoder_log)) == 1


def test_a_file_of_another_kind_refuses_the_whole_upload_by_its_name(client, db, world, storage_root):
    before = counts(db)
    files = [
        ("images", ("IMG_0001.HEIC", heic(), "image/heif")),
        ("images", ("scan.tiff", picture("TIFF"), "image/tiff")),
    ]
    response = submit(client, world.sales_a, files=files)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "scan.tiff: JPEG・PNG・HEIC・PDFのいずれかを選んでください"
    assert counts(db) == before and stored_files(storage_root) == []
