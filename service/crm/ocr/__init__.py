"""OCR of statement images (§2.6 `ocr_result`, 将来拡張: OCR対応): an engine behind a small interface (`engine.py`),
the page made readable (`pages.py`), the site's fields found by their rules (`extraction.py`, the address by
`addresses.py`) and checked against each other (`checks.py`, with what the ten power companies' bills print:
`companies.py`), the job's reading and the operator's confirmation (`reading.py`, `reviews.py`), what the 地点入力 page
shows (`view.py`), OCR確認履歴, OCR採用率 and 手入力なしの請求書 (`acceptance.py`), and their routes (`router.py`)."""
