"""Korean particles chosen by the word before them: 은/는, 이/가, 을/를, 과/와, (으)로.

Replies used to print both forms ("'감사합니다'은(는)"). :func:`pp` picks one from the last
sound of the word: a Hangul syllable by its final consonant, a digit as it is read in
Korean (1 일, 3 삼, 6 육, …), a Latin letter as it usually sounds (l, m, n, r end in a
consonant; others in a vowel). Quotes and brackets at the end are skipped.
"""

from __future__ import annotations

# Korean readings of digits: does it end in a consonant, and is that consonant ㄹ (which takes 로)?
_DIGITS = {
    "0": (True, False),
    "1": (True, True),
    "2": (False, False),
    "3": (True, False),
    "4": (False, False),
    "5": (False, False),
    "6": (True, False),
    "7": (True, True),
    "8": (True, True),
    "9": (False, False),
}
_LATIN_CONSONANT = {"l": True, "r": True, "m": False, "n": False}  # letter -> is it an ㄹ-like ending
_CLOSERS = "'\"’”)]}」』〉》 "
_FORMS = {
    "은(는)": ("은", "는"),
    "이(가)": ("이", "가"),
    "을(를)": ("을", "를"),
    "과(와)": ("과", "와"),
    "(으)로": ("으로", "로"),
    "이에요(예요)": ("이에요", "예요"),
    "이라(라)": ("이라", "라"),
}


def final_sound(word: str) -> tuple[bool, bool]:
    """(ends in a consonant, that consonant is ㄹ) for the last sound of ``word``."""
    for ch in reversed(word.strip()):
        if ch in _CLOSERS:
            continue
        if "가" <= ch <= "힣":
            jong = (ord(ch) - ord("가")) % 28
            return jong != 0, jong == 8
        if ch in _DIGITS:
            return _DIGITS[ch]
        low = ch.lower()
        if "a" <= low <= "z":
            return (low in _LATIN_CONSONANT, _LATIN_CONSONANT.get(low, False))
        return False, False
    return False, False


def pp(word: str, marker: str) -> str:
    """The particle ``marker`` ('은(는)', '이(가)', '을(를)', '과(와)', '(으)로', ...) as ``word`` takes it."""
    with_consonant, without = _FORMS[marker]
    consonant, rieul = final_sound(word)
    if marker == "(으)로":
        return with_consonant if consonant and not rieul else without
    return with_consonant if consonant else without
