"""The nursery scan station (入退登録端末): a Textual kiosk for a tablet or small PC with a USB barcode scanner.

Parents show their parent-id barcode; the station records 入 (Entry) or 出 (Exit) through the service's entry-log
API, keeping scans in a durable local queue while the service is unreachable. `python -m scanner_station --help`.
"""
