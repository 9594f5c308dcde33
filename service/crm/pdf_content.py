"""What an uploaded PDF carries besides pages: JavaScript, an opening action, Launch actions and embedded files. Every
object reachable from the trailer is looked at once, without decoding any content stream."""

import io

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

JAVASCRIPT, OPEN_ACTION, LAUNCH, EMBEDDED_FILE = "javascript", "open_action", "launch", "embedded_file"
LABELS = {
    JAVASCRIPT: "JavaScript",
    OPEN_ACTION: "開いたときの自動実行（OpenAction）",
    LAUNCH: "外部プログラムの起動（Launch）",
    EMBEDDED_FILE: "埋め込みファイル",
}
UNREADABLE = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError)


class EncryptedPdf(Exception):
    """The PDF cannot be opened without a password."""


class UnreadablePdf(Exception):
    """pypdf could not read the file as a PDF."""


def active_content(data: bytes) -> list[str]:
    """In LABELS' order."""
    try:
        reader = PdfReader(io.BytesIO(data))
        found = _walk(reader.trailer)
        if isinstance(_resolved(_catalog(reader), "/OpenAction"), DictionaryObject):
            found.add(OPEN_ACTION)  # a plain destination (the page to show) is fine
    except FileNotDecryptedError as exc:
        raise EncryptedPdf from exc
    except UNREADABLE as exc:
        raise UnreadablePdf from exc
    return [kind for kind in LABELS if kind in found]


def _catalog(reader: PdfReader) -> DictionaryObject:
    root = reader.trailer["/Root"]
    if not isinstance(root, DictionaryObject):
        raise UnreadablePdf
    return root


def _resolved(node: DictionaryObject, key: str) -> PdfObject | None:
    """pypdf's item access resolves references; `get` would not."""
    return node[key] if key in node else None


def _walk(start: PdfObject) -> set[str]:
    """Each indirect object once."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack = [start]
    while stack:
        node: PdfObject | None = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            found |= _kinds(node)
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return found


def _kinds(node: DictionaryObject) -> set[str]:
    action = _resolved(node, "/S")
    kinds = set()
    if action == "/JavaScript" or "/JS" in node or "/JavaScript" in node:
        kinds.add(JAVASCRIPT)
    if action == "/Launch":
        kinds.add(LAUNCH)
    if (
        "/EmbeddedFiles" in node
        or "/EF" in node
        or _resolved(node, "/Type") == "/EmbeddedFile"
        or _resolved(node, "/Subtype") == "/FileAttachment"
    ):
        kinds.add(EMBEDDED_FILE)
    return kinds
