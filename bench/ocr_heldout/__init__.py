"""The held-out layouts of bench/ocr_bills.py: bills written from how real ones look, kept apart from the development
set so that no rule of the reader is written against them. bench/ocr.py reports its figures on them apart.

Four follow bills photographed by the input team: a TEPCO-style notice in ruled rows, each label left of its value and
its お客さま番号 printed in groups of its own; a Kansai-style 従量電灯A notice (no 契約容量), each label above its boxed
value; a new-power company's landscape web statement, a header row over a value row (ご契約番号, 契約メニュー, 契約容量,
ご利用量, ご請求額（税込）); a Kyushu-style 低圧電力 notice, contracted in kW. The others are the remaining area
companies' and new-power companies' statements as their portals and notices print them, in Gothic and Mincho."""

from bench.ocr_bills import BASE, NO_CAPACITY, OTHER, Style

WEB = BASE | {"customer": "ご契約番号", "plan": "契約メニュー", "A": "契約容量", "kVA": "契約容量", "kW": "契約容量",
              "usage": "ご利用量", "amount": "ご請求額（税込）", "place": "ご利用場所",
              "name": "ご契約名義"}  # fmt: skip
LAYOUTS = (
    # TEPCO-style: ruled rows, label left; its own grouping of the number; the month only in the period
    Style("03", "電気ご使用量のお知らせ", "table",
          {key: word for key, word in BASE.items() if key != "date"} | {"amount": "請求予定金額", "A": "ご契約"},
          band="#d7000f", grid="東京電力パワーグリッド", readings=True, customer_number="###-###-####",
          font="mincho"),
    # Kansai-style 従量電灯A: each label above its boxed value, no 契約容量
    Style("06", "電気料金等のお知らせ", "cells",
          BASE | {"name": "お客さま名", "date": "ご使用月", "usage": "ご使用量", "amount": "ご請求金額"},
          band="#005bac", grid="関西電力送配電", plans={"従量電灯A": NO_CAPACITY}),
    # a new-power company's landscape web statement: header rows over value rows
    Style(OTHER, "ご請求金額のお知らせ", "header", {key: word for key, word in WEB.items() if key != "date"} |
          {"period": "ご利用期間"}, issuer="ソラノでんき株式会社", site_area="03",
          plans={"ソラノ基本プラン": "A", "ソラノ動力プラン": "kW"}, customer_number="##########", landscape=True,
          grid="東京電力パワーグリッド"),
    # Kyushu-style 低圧電力, label left, contracted in kW
    Style("09", "電気ご使用量のお知らせ", "lines", BASE | {"kW": "契約電力", "usage": "使用電力量", "date": "ご使用月"},
          band="#ee7800", grid="九州電力送配電", plans={"低圧電力": "kW"}, readings=True),
    # the other area companies
    Style("01", "電気料金明細", "right", BASE | {"name": "お客さま名", "A": "契約電流", "amount": "今回お支払金額"},
          grid="北海道電力ネットワーク"),
    Style("02", "電気料金のお知らせ", "header",
          BASE | {"usage": "当月ご使用量", "amount": "ご請求金額", "plan": "ご契約種別", "A": "ご契約"},
          band="#0b7a48", grid="東北電力ネットワーク", font="mincho", grouping="-"),
    Style("04", "ご請求のお知らせ", "boxes", BASE | {"date": "ご使用年月", "plan": "料金プラン", "A": "契約電流",
                                                 "usage": "使用電力量", "amount": "請求予定金額"},
          band="#c8006e", grid="中部電力パワーグリッド", landscape=True),
    Style("05", "電気料金のお知らせ", "table", BASE | {"date": "検針年月", "name": "お客さま名", "place": "需要場所"},
          grid="北陸電力送配電", font="mincho"),
    Style("07", "電気料金のお知らせ", "cells", BASE | {"name": "お客さま名", "amount": "請求予定金額"},
          grid="中国電力ネットワーク", plans={"従量電灯A": NO_CAPACITY, "従量電灯B": "kVA"}, font="mincho",
          grouping="-"),
    Style("08", "電気ご使用量のお知らせ", "lines",
          BASE | {"plan": "ご契約種別", "usage": "使用電力量", "place": "ご使用場所"}, band="#e95513",
          grid="四国電力送配電", plans={"従量電灯A": NO_CAPACITY, "低圧電力": "kW"}),
    Style("10", "電気料金のお知らせ", "header", BASE | {"kVA": "ご契約容量", "usage": "ご使用量"}, grid="沖縄電力"),
    # new-power companies
    Style(OTHER, "電気料金明細書", "right",
          BASE | {"customer": "お客様番号", "plan": "料金プラン", "A": "契約容量", "usage": "ご利用量",
                  "amount": "請求金額", "place": "ご利用場所"},
          issuer="さくらエナジー株式会社", site_area="06", plans={"さくらプランM": "A", "さくらプランL": "A"},
          customer_number="########", grid="関西電力送配電"),
    Style(OTHER, "でんき料金のお知らせ", "boxes",
          BASE | {"customer": "お客さま番号", "plan": "料金プラン", "kVA": "契約容量", "usage": "ご使用量"},
          issuer="あおぞらでんき株式会社", site_area="01", plans={"あおぞらビジネス": "kVA"},
          customer_number="####-######", landscape=True, band="#1565c0", grid="北海道電力ネットワーク",
          font="mincho"),
    Style(OTHER, "電気料金のご請求", "table",
          BASE | {"customer": "ご契約番号", "plan": "契約メニュー", "A": "契約容量", "name": "お客さま名"},
          issuer="湘南電力株式会社", site_area="03", plans={"湘南ライト": "A"}, customer_number="#########",
          grid="東京電力パワーグリッド", font="mincho"),
    Style(OTHER, "ご利用料金のお知らせ", "header", WEB | {"date": "ご利用年月"},
          issuer="みどりのでんき合同会社", site_area="09", plans={"みどりプラン": "A", "みどり動力": "kW"},
          customer_number="##-#######", grid="九州電力送配電"),
)  # fmt: skip
