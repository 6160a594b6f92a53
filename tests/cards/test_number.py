"""Card numbers: Verhoeff check digit, parsing what people type, formatting."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.residents.cards.number import CardNumberError, check_digit, is_valid, masked, new_number, parse, pretty

bodies = st.text("0123456789", min_size=10, max_size=10).flatmap(
    lambda rest: st.sampled_from("123456789").map(lambda first: first + rest)
)
numbers = bodies.map(lambda body: body + check_digit(body))


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("236", "3"),  # Verhoeff's worked example (Wikipedia)
        ("75872", "2"),  # Wikipedia's table walk-through
        ("12345", "1"),  # Rosetta Code
        ("12340", "5"),  # hand-checked with the d/p/inv tables
        ("123456789012", "0"),  # Rosetta Code
    ],
)
def test_check_digit_matches_published_examples(body, digit):
    assert check_digit(body) == digit


def test_valid_number_with_its_check_digit():
    assert is_valid("123456789010")
    assert not is_valid("123456789012")


@given(numbers)
def test_every_generated_number_is_valid(number):
    assert is_valid(number)


@given(numbers, st.integers(0, 11), st.integers(1, 9))
def test_any_single_digit_typo_is_caught(number, pos, shift):
    typo = number[:pos] + str((int(number[pos]) + shift) % 10) + number[pos + 1:]
    assert not is_valid(typo)


@given(numbers, st.integers(0, 10))
def test_any_swap_of_neighbouring_digits_is_caught(number, pos):
    a, b = number[pos], number[pos + 1]
    if a == b:
        return
    swapped = number[:pos] + b + a + number[pos + 2:]
    assert not is_valid(swapped)


def test_leading_zero_and_wrong_length_are_not_valid():
    body = "01234567890"
    assert not is_valid(body + check_digit(body))
    assert not is_valid("23632")
    assert not is_valid("१२३४५६७८९०१२")  # parse() converts digits; is_valid wants plain ASCII


@pytest.mark.parametrize(
    "text",
    ["1234 5678 9010", "1234-5678-9010", "1234.5678.9010", " 123456789010 ",
     "१२३४ ५६७८ ९०१०", "१२३४-5678-9010"],
)
def test_parse_accepts_formatted_and_devanagari_input(text):
    assert parse(text) == "123456789010"


@pytest.mark.parametrize(
    ("text", "found"),
    [("1234 5678 901", "11 digits"), ("1234 5678 9012 3", "13 digits"), ("", "no digits")],
)
def test_parse_says_how_many_digits_it_found(text, found):
    with pytest.raises(CardNumberError) as err:
        parse(text)
    assert err.value.code == "malformed"
    assert found in err.value.message
    assert "12 digits" in err.value.message


def test_parse_rejects_letters():
    with pytest.raises(CardNumberError) as err:
        parse("1234 ABCD 9012")
    assert err.value.code == "malformed"
    assert "8 digits" in err.value.message


def test_parse_names_a_mistyped_number():
    with pytest.raises(CardNumberError) as err:
        parse("1234-5678-9012")
    assert err.value.code == "check_digit"
    assert err.value.message == (
        "The card number 1234 5678 9012 does not check out: a digit is probably mistyped."
    )


def test_new_numbers_are_valid_and_never_start_with_zero():
    rng = random.Random(42)
    for _ in range(500):
        number = new_number(rng)
        assert is_valid(number) and number[0] != "0"
    assert is_valid(new_number())


def test_pretty_and_masked():
    assert pretty("123456789012") == "1234 5678 9012"
    assert masked("123456789012") == "XXXX XXXX 9012"
