"""Uploaded pictures: kind and size from the header alone (`headers.py`), the full decode in a child process whose
memory goes with it (`decoding.py`, `decoder.py`, `thumbnails.py`)."""
