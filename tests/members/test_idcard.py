import datetime

import pytest

from members.idcard import check_digit, mask_id_number, normalise_text, parse_id_number
from union_site import crypto

pytestmark = pytest.mark.usefixtures("english")


def test_valid_18_digit_number_gives_birth_date_and_gender():
    parsed = parse_id_number("11010519491231002X")
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.gender == "F"  # the 17th digit is even


def test_15_digit_number_is_converted_to_18_digits():
    parsed = parse_id_number("110105491231002")
    assert parsed.value == "11010519491231002X"


def test_full_width_digits_lower_case_x_and_spaces_are_normalised():
    assert parse_id_number(" １１０１０５１９４９１２３１００２ｘ\u3000").value == "11010519491231002X"
    assert normalise_text("  张 三 ") == "张 三"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("110105194912310021", "check digit"),
        ("11010519491231002", "18 digits"),
        ("11010519491331002X", "not a real date"),
        ("1101051949123100AX", "only digits"),
        ("", "empty"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_id_number(raw)


def test_mask_shows_first_six_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert check_digit("11010519491231002") == "X"


def test_encryption_round_trips_and_is_randomised(settings):
    token = crypto.encrypt("11010519491231002X")
    assert "110105" not in token and token != crypto.encrypt("11010519491231002X")
    assert crypto.decrypt(token) == "11010519491231002X"
    assert crypto.blind_index("11010519491231002X") == crypto.blind_index("11010519491231002X")
    settings.PERSONAL_DATA_KEY = "another key"
    with pytest.raises(Exception):  # noqa: B017 - a wrong key must not decrypt
        crypto.decrypt(token)


def test_person_stores_only_the_encrypted_number(db):
    from tests.factories import PersonFactory

    person = PersonFactory(id_number="11010519491231002X")
    person.refresh_from_db()
    assert person.id_number_masked == "110105********002X"
    assert "11010519491231002X" not in person.id_number_encrypted
    assert person.id_number == "11010519491231002X"
    assert person.birth_date == datetime.date(1949, 12, 31) and person.gender == "F"
    assert type(person).objects.with_id_number("110105491231002").get() == person


def test_errors_are_in_chinese_by_default():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValueError, match="校验位错误"):
        parse_id_number("110105194912310021")
