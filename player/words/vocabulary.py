"""The prompt vocabulary: every clip key the call-time composer may ask for.

The renderer speaks each text (Festival, or a recorded file named
``<prompts_dir>/<language>/<key>.wav`` that overrides it) into a ``prompt``
segment; the composer in ``player.words`` turns balances, account numbers
and positions into sequences of these keys.  The text ``""`` is a short
silence (a pause between groups of digits).

Currency words are keyed ``cur_<CODE>_<form>`` (main unit) and
``sub_<CODE>_<form>`` (hundredths).  English forms are ``1`` and ``n``;
Russian forms are ``1`` (один рубль), ``2`` (два рубля) and ``5`` (пять рублей);
minutes of an estimated wait likewise (``minute_1``, ``minute_n``; одна минута,
две минуты, пять минут).

Dates (``player/words/numbers_en.py`` and ``numbers_ru.py`` say how they read)
add the months ``month_1`` .. ``month_12`` (Russian: genitive, "декабря") and
ordinals for the day and, in Russian, the year: English ``ord_<n>``
("first"), Russian ``ord_<n>_nom`` (neuter nominative, "первое") and
``ord_<n>_gen`` ("первого"), then ``year_gen`` ("года") and English ``oh``
("nineteen oh five").  Ordinals exist for what a date needs: the days' 1..19,
20 and 30 (21st is "twenty" + "first"); in Russian genitive also the tens,
hundreds and the two thousands, so every year 1..2999 reads.

A key whose text is ``""`` in one language but not ``pause`` is not said in
that language (``unsaid_keys``): Russian puts nothing after a queue position.
"""

TYPE_CHECKING = False               # names for the checker only: typing costs the start
if TYPE_CHECKING:
    from collections.abc import Callable

LANGUAGES = ("en", "ru")
PAUSE = "pause"

_EN_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_EN_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()

_RU_ONES = ("ноль один два три четыре пять шесть семь восемь девять десять одиннадцать "
            "двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать "
            "восемнадцать девятнадцать").split()
_RU_TENS = "двадцать тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят девяносто".split()
_RU_HUNDREDS = "сто двести триста четыреста пятьсот шестьсот семьсот восемьсот девятьсот".split()

_EN_ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
                "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth "
                "nineteenth").split()
_EN_MONTHS = ("January February March April May June July August September October November "
              "December").split()

_RU_DAYS = ("первое второе третье четвёртое пятое шестое седьмое восьмое девятое десятое "
            "одиннадцатое двенадцатое тринадцатое четырнадцатое пятнадцатое шестнадцатое "
            "семнадцатое восемнадцатое девятнадцатое").split()
_RU_GENITIVES = ("первого второго третьего четвёртого пятого шестого седьмого восьмого девятого "
                 "десятого одиннадцатого двенадцатого тринадцатого четырнадцатого пятнадцатого "
                 "шестнадцатого семнадцатого восемнадцатого девятнадцатого").split()
_RU_TENS_GENITIVE = ("двадцатого тридцатого сорокового пятидесятого шестидесятого "
                     "семидесятого восьмидесятого девяностого").split()
_RU_HUNDREDS_GENITIVE = ("сотого двухсотого трёхсотого четырёхсотого пятисотого шестисотого "
                         "семисотого восьмисотого девятисотого").split()
_RU_MONTHS = ("января февраля марта апреля мая июня июля августа сентября октября ноября "
              "декабря").split()

_EN_PHRASES = {
    "balance_is": "Your balance is",
    "account_number_is": "Your account number is",
    "several_accounts": "You have several accounts.",
    "next_account": "Next account.",
    "not_registered": "This number is not registered.",
    "suspended": "Your account is suspended.",
    "unavailable": "The information is unavailable right now. Please try again later.",
    "minus": "minus",
    "and": "and",
    "hundred": "hundred",
    "thousand": "thousand",
    "million": "million",
    "billion": "billion",
    "trillion": "trillion",
    "position_prefix": "You are number",
    "position_suffix": "in the queue.",
    "wait_prefix": "Your estimated wait is about",
    "minute_1": "minute.", "minute_n": "minutes.",
    "wait_under_minute": "Your estimated wait is less than a minute.",
    "wait_to": "to",
    "cur_RUB_1": "ruble", "cur_RUB_n": "rubles", "sub_RUB_1": "kopeck", "sub_RUB_n": "kopecks",
    "cur_USD_1": "dollar", "cur_USD_n": "dollars", "sub_USD_1": "cent", "sub_USD_n": "cents",
    "cur_EUR_1": "euro", "cur_EUR_n": "euros", "sub_EUR_1": "cent", "sub_EUR_n": "cents",
    "ord_20": "twentieth", "ord_30": "thirtieth", "oh": "oh",
    "callback_offer": "We can call you back at the number ending in",
    "callback_press": "Press",
    "callback_to_confirm": "to confirm, or stay on the line.",
    "key_star": "star", "key_hash": "hash",
    "callback_impossible": "Sorry, we cannot call you back at this number.",
    "callback_booked": "A callback to your number is already booked.",
    "callback_to_cancel": "to cancel it, or stay on the line to keep it.",
    "callback_cancelled": "Your callback is cancelled.",
    "callback_thanks": "Thank you. We will call you back",
    "callback_in": "in about",
    "callback_goodbye": "Goodbye.",
    "callback_whisper": "Callback. The customer has waited",
}

_RU_PHRASES = {
    "balance_is": "Ваш баланс",
    "account_number_is": "Номер вашего лицевого счёта",
    "several_accounts": "У вас несколько лицевых счетов.",
    "next_account": "Следующий счёт.",
    "not_registered": "Этот номер не зарегистрирован.",
    "suspended": "Ваш счёт заблокирован.",
    "unavailable": "Информация сейчас недоступна. Пожалуйста, попробуйте позже.",
    "minus": "минус",
    "n1_f": "одна", "n2_f": "две", "n1_n": "одно",
    "thousand_1": "тысяча", "thousand_2": "тысячи", "thousand_5": "тысяч",
    "million_1": "миллион", "million_2": "миллиона", "million_5": "миллионов",
    "billion_1": "миллиард", "billion_2": "миллиарда", "billion_5": "миллиардов",
    "trillion_1": "триллион", "trillion_2": "триллиона", "trillion_5": "триллионов",
    "position_prefix": "Ваш номер в очереди",
    "position_suffix": "",
    "wait_prefix": "Время ожидания примерно",
    "minute_1": "минута", "minute_2": "минуты", "minute_5": "минут",
    "wait_under_minute": "Время ожидания меньше минуты.",
    "wait_to": "",                          # "три-пять минут": the range needs no word
    "cur_RUB_1": "рубль", "cur_RUB_2": "рубля", "cur_RUB_5": "рублей",
    "sub_RUB_1": "копейка", "sub_RUB_2": "копейки", "sub_RUB_5": "копеек",
    "cur_USD_1": "доллар", "cur_USD_2": "доллара", "cur_USD_5": "долларов",
    "sub_USD_1": "цент", "sub_USD_2": "цента", "sub_USD_5": "центов",
    "cur_EUR_1": "евро", "cur_EUR_2": "евро", "cur_EUR_5": "евро",
    "sub_EUR_1": "цент", "sub_EUR_2": "цента", "sub_EUR_5": "центов",
    "ord_20_nom": "двадцатое", "ord_30_nom": "тридцатое",
    "ord_1000_gen": "тысячного", "ord_2000_gen": "двухтысячного",
    "year_gen": "года",
    "callback_offer": "Мы можем перезвонить вам на номер, который заканчивается на",
    "callback_press": "Нажмите",
    "callback_to_confirm": "чтобы подтвердить, или оставайтесь на линии.",
    "key_star": "звёздочку", "key_hash": "решётку",
    "callback_impossible": "К сожалению, мы не можем перезвонить на этот номер.",
    "callback_booked": "Обратный звонок на ваш номер уже заказан.",
    "callback_to_cancel": "чтобы отменить его, или оставайтесь на линии, чтобы сохранить.",
    "callback_cancelled": "Обратный звонок отменён.",
    "callback_thanks": "Спасибо. Мы вам перезвоним.",
    "callback_in": "Примерное время ожидания:",
    "callback_goodbye": "До свидания.",
    "callback_whisper": "Обратный звонок. Время ожидания клиента:",
}


def _series(key: str, words: list[str], first: int = 1, step: int = 1) -> dict[str, str]:
    """``{key % n: word}`` for words numbered first, first + step, ..."""
    return {key % (first + i * step): word for i, word in enumerate(words)}


def _en_table() -> dict[str, str]:
    return {**_series("n%d", _EN_ONES, 0), **_series("n%d", _EN_TENS, 20, 10),
            **_series("ord_%d", _EN_ORDINALS), **_series("month_%d", _EN_MONTHS),
            **_EN_PHRASES, PAUSE: ""}


def _ru_table() -> dict[str, str]:
    words = _series("n%d", _RU_ONES, 0)
    words["n1_m"], words["n2_m"] = words.pop("n1"), words.pop("n2")
    return {**words, **_series("n%d", _RU_TENS, 20, 10), **_series("n%d", _RU_HUNDREDS, 100, 100),
            **_series("ord_%d_nom", _RU_DAYS), **_series("ord_%d_gen", _RU_GENITIVES),
            **_series("ord_%d_gen", _RU_TENS_GENITIVE, 20, 10),
            **_series("ord_%d_gen", _RU_HUNDREDS_GENITIVE, 100, 100),
            **_series("month_%d", _RU_MONTHS), **_RU_PHRASES, PAUSE: ""}


_TABLES = {"en": _en_table(), "ru": _ru_table()}
_UNSAID = {language: frozenset(key for key, text in table.items() if not text and key != PAUSE)
           for language, table in _TABLES.items()}


def base_texts(language: str) -> dict[str, str]:
    """Every fixed key of a language and the text Festival speaks for it."""
    try:
        return dict(_TABLES[language])
    except KeyError:
        raise ValueError(f"no prompt vocabulary for language {language!r}; "
                         f"known: {', '.join(LANGUAGES)}") from None


def unsaid_keys(language: str) -> frozenset[str]:
    """Keys that say nothing in ``language`` (left out of a sentence, not paused on)."""
    return _UNSAID.get(language, frozenset())


def position_key(position: int) -> str:
    """The whole-sentence clip for positions 1..max_position."""
    return f"position_{position}"


def prompt_texts(language: str, max_position: int,
                 number_words: "Callable[[str, int], str]") -> dict[str, str]:
    """All keys to render for ``language``, position sentences included.

    ``number_words(language, n)`` spells n as words (from the composer), so
    the whole sentence "You are number five in the queue." is spoken in one
    breath instead of spliced.
    """
    texts = base_texts(language)
    for n in range(1, max_position + 1):
        spoken = " ".join(t for t in (texts["position_prefix"], number_words(language, n),
                                      texts["position_suffix"]) if t)
        texts[position_key(n)] = spoken
    return texts
