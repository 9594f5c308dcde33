"""The field rules on their own: 法人番号 check digit, katakana, postal code, phone number, card number, year-month."""

from datetime import date

import pytest
from pydantic_core import PydanticCustomError

from service.crm import validation
from tests.support.clock import clock_at, japan_time


@pytest.mark.parametrize(
    "number",
    ["7000012050002", "1180301018771", "5010401067252", "".join(chr(ord(c) + 0xFEE0) for c in "4000012090001")],
)
def test_real_corporation_numbers_pass_the_check_digit(number):
    assert validation.corporation_number(number).isdigit()


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("7000012050003", "corporation_number_check_digit"),
        ("1180301018772", "corporation_number_check_digit"),
        ("700001205000", "corporation_number_format"),
        ("70000120500A2", "corporation_number_format"),
    ],
)
def test_wrong_corporation_numbers_name_the_rule(value, rule):
    with pytest.raises(PydanticCustomError) as caught:
        validation.corporation_number(value)
    assert caught.value.type == rule


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ヤマダ タロウ", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),
        ("やまだ", "ヤマダ"),
        ("カブシキガイシャ・エーワン", "カブシキガイシャ・エーワン"),
        ("ヤマダ\u3000タロウ", "ヤマダ タロウ"),
        ("", ""),
    ],
)
def test_kana_is_normalised_to_full_width_katakana(value, expected):
    assert validation.katakana(value) == expected


@pytest.mark.parametrize("value", ["山田", "Yamada", "ヤマダ1", "ヤマダ（株）"])
def test_non_kana_is_refused(value):
    with pytest.raises(PydanticCustomError, match="カタカナ"):
        validation.katakana(value)


def test_postal_codes_and_phone_numbers():
    assert validation.postal_code("1500001") == validation.postal_code("１５０－０００１") == "150-0001"
    assert validation.phone_number("03-1234-5678") == "03-1234-5678"
    assert validation.phone_number("09012345678") == "09012345678"
    for bad in ("150-00011", "15-00001", "abc-defg"):
        with pytest.raises(PydanticCustomError):
            validation.postal_code(bad)
    for bad in ("3-1234-5678", "03-1234-56", "03-12-34-5678", "0312345"):
        with pytest.raises(PydanticCustomError):
            validation.phone_number(bad)


def test_card_numbers_expiry_and_year_months():
    assert validation.card_number("4111 1111 1111 1111") == "4111111111111111"
    with pytest.raises(PydanticCustomError) as caught:
        validation.card_number("4111111111111112")
    assert caught.value.type == "card_number_luhn"
    assert (validation.expire_month("3"), validation.expire_year("30")) == ("03", "2030")
    assert validation.year_month("202601") == validation.year_month("2026/01") == "2026-01"
    with pytest.raises(PydanticCustomError):
        validation.year_month("2026-13")
    assert validation.location_number("03-0011-1234-5678-9012-3456") == "0300111234567890123456"


def test_a_birthday_may_be_today_in_japan_not_tomorrow_even_when_the_servers_utc_date_is_yesterday():
    with clock_at(japan_time(2026, 6, 1, 0, 30)):
        assert validation.past_date(date(2026, 6, 1)) == date(2026, 6, 1)
        with pytest.raises(PydanticCustomError) as caught:
            validation.past_date(date(2026, 6, 2))
    assert caught.value.type == "past_date"
