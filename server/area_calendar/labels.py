"""The words the calendar shows for the directory's codes, Japanese first.

The wish tags are worded as the phone's finder words them (pwa/js/i18n.js ``need.*``),
so a family meets the same wish in both places.
"""

from sync.vocabulary import FEATURE_TAGS, WEEKDAY_CODES

WISH_TAGS = {
    "small_homely": ("少人数でアットホーム", "Small and homely"),
    "outdoor_play": ("屋外で体を動かせる", "Room to move outdoors"),
    "meet_many": ("多くの親子と知り合える", "Meet many other families"),
    "family_consult": ("子育て以外の相談もできる", "Talk about more than child-rearing"),
    "consult_room": ("相談室がある", "Consultation room"),
    "temp_childcare": ("一時預かり", "Temporary childcare"),
    "saturday": ("土曜開所", "Open on Saturdays"),
    "fathers_welcome": ("父親も参加しやすい", "Fathers welcome"),
    "prenatal_ok": ("妊娠中から利用できる", "Usable during pregnancy"),
}
assert tuple(WISH_TAGS) == FEATURE_TAGS

WEEKDAYS = dict(zip(WEEKDAY_CODES, (
    ("月曜日", "Monday"), ("火曜日", "Tuesday"), ("水曜日", "Wednesday"),
    ("木曜日", "Thursday"), ("金曜日", "Friday"), ("土曜日", "Saturday"),
    ("日曜日", "Sunday")), strict=True))

# The child's age as the card form asks it (sync.vocabulary.CHILD_AGE_BANDS).
AGE_BANDS = {
    "pregnant": ("妊娠中", "Expecting"),
    "0": ("0歳", "Under 1"),
    "1": ("1歳", "1 year old"),
    "2": ("2歳", "2 years old"),
    "3": ("3歳", "3 years old"),
    "4": ("4歳", "4 years old"),
    "5": ("5歳", "5 years old"),
}


def word(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def age_in_months(months: int, lang: str) -> str:
    """「1歳6か月」 or "1 yr 6 mo"; a negative age is pregnancy."""
    en = lang == "en"
    if months < 0:
        return "pregnancy" if en else "妊娠中"
    years, rest = divmod(months, 12)
    if en:
        parts = ([f"{years} yr"] if years else []) + ([f"{rest} mo"] if rest or not years else [])
        return " ".join(parts)
    if not years:
        return f"{rest}か月"
    return f"{years}歳{rest}か月" if rest else f"{years}歳"


def target_ages(low: int | None, high: int | None, lang: str) -> str:
    """A programme's target ages, e.g. 「1歳〜5歳11か月」; empty when it names none."""
    if low is None and high is None:
        return ""
    en = lang == "en"
    if high is None:
        return f"from {age_in_months(low, lang)}" if en else f"{age_in_months(low, lang)}から"
    if low is None:
        return f"up to {age_in_months(high, lang)}" if en else f"{age_in_months(high, lang)}まで"
    dash = "–" if en else "〜"
    return f"{age_in_months(low, lang)}{dash}{age_in_months(high, lang)}"
