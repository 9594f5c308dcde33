"""Uploaded pictures, for every domain that takes them (CRM statements, nursery adults' photos): what a picture is and
how big from its header alone (`headers.py`), then its full decode and thumbnail in a child process (`decoding.py`,
`thumbnails.py`), whose memory goes with it."""
