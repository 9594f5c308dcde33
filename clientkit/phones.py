"""Phone numbers as people dial them, the one rule for every page and every file: the API stores and answers E.164
("+819012345678"); a page (dashboards/formats.py) and a downloaded file (service/exports.py) show it as dialled."""

import phonenumbers

JAPAN, JAPAN_CODE, TRUNK_PREFIX, INTERNATIONAL_PREFIX = "JP", 81, "0", "+"


def as_dialled(value: str | None) -> str:
    """National format in Japan (090-1234-5678, 03-1234-5678; a number of no known area in E.164, +813000000001, as
    its digits after the trunk 0: 03000000001, one written at home as written), international otherwise
    (+1 415-555-0123); text that is no phone number as it is, none as nothing."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, JAPAN)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    style = phonenumbers.PhoneNumberFormat
    if number.country_code != JAPAN_CODE:
        return phonenumbers.format_number(number, style.INTERNATIONAL)
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, style.NATIONAL)
    if value.startswith(INTERNATIONAL_PREFIX):
        return TRUNK_PREFIX + phonenumbers.national_significant_number(number)
    return value
