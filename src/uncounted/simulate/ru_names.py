"""Russian male names for simulated people: given names with rough frequencies, surnames, patronymics.

The tables here are our own, written for the simulator; they are not the canonical name tables of
:mod:`uncounted.records` (the simulator must not depend on the code it is used to test).

- Given names: about sixty names common among men born 1960-2005, with rough relative weights
  (our own estimates, in the order of the well-known frequency lists; only the shape matters).
- Surnames: Faker's ``ru_RU`` list of 250 common male surnames, in its frequency order, with
  Zipf-like weights (so "Смирнов" and "Иванов" are the most common), followed by a long tail of
  plausible surnames built from Faker's Russian words with -ов/-ев/-ин endings. Real Russian surnames
  are far more diverse than 250; the tail keeps same-name collisions at a realistic level.
- Patronymics: derived from the father's given name by the usual rules (Иван -> Иванович,
  Сергей -> Сергеевич, Юрий -> Юрьевич, Никита -> Никитич) with the irregular ones listed.
- Diminutives: the familiar forms that obituaries and social-media posts use (Саша for Александр).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

#: given names of the dead (men born about 1960-2005) and rough relative weights
GIVEN_NAMES: dict[str, float] = {
    "Александр": 100, "Сергей": 80, "Дмитрий": 70, "Андрей": 65, "Алексей": 65, "Евгений": 45,
    "Максим": 40, "Иван": 38, "Владимир": 36, "Николай": 30, "Денис": 30, "Роман": 28, "Михаил": 28,
    "Артём": 25, "Павел": 25, "Игорь": 22, "Виктор": 20, "Антон": 20, "Олег": 20, "Владислав": 18,
    "Никита": 18, "Юрий": 16, "Илья": 16, "Константин": 15, "Вячеслав": 14, "Руслан": 14, "Кирилл": 14,
    "Артур": 12, "Вадим": 12, "Виталий": 12, "Егор": 11, "Станислав": 10, "Василий": 10, "Анатолий": 8,
    "Валерий": 8, "Григорий": 7, "Даниил": 7, "Георгий": 6, "Пётр": 6, "Фёдор": 5, "Степан": 5,
    "Леонид": 5, "Тимур": 5, "Борис": 5, "Геннадий": 5, "Эдуард": 4, "Ярослав": 4, "Глеб": 4,
    "Семён": 4, "Матвей": 3, "Тимофей": 3, "Марат": 3, "Айдар": 3, "Баир": 3, "Аслан": 3, "Магомед": 3,
    "Ильдар": 2, "Рустам": 2, "Алдар": 2, "Чингис": 1,
}

#: fathers' given names (men born about 1935-1985) and rough relative weights
FATHER_NAMES: dict[str, float] = {
    "Александр": 90, "Сергей": 70, "Владимир": 70, "Николай": 55, "Виктор": 45, "Юрий": 40,
    "Анатолий": 30, "Валерий": 28, "Михаил": 28, "Андрей": 28, "Алексей": 25, "Иван": 25,
    "Василий": 22, "Геннадий": 18, "Игорь": 18, "Евгений": 18, "Олег": 16, "Дмитрий": 15,
    "Петр": 12, "Борис": 10, "Владислав": 6, "Павел": 10, "Вячеслав": 10, "Леонид": 8, "Григорий": 7,
    "Виталий": 8, "Константин": 7, "Вадим": 5, "Федор": 5, "Степан": 4, "Аркадий": 3, "Георгий": 4,
    "Илья": 3, "Никита": 2, "Лев": 2, "Эдуард": 4, "Роман": 4, "Станислав": 4, "Марат": 2, "Рустам": 2,
    "Магомед": 2, "Баир": 1,
}

#: irregular patronymics (the rest follow :func:`patronymic`'s rules)
_IRREGULAR = {
    "Петр": "Петрович", "Пётр": "Петрович", "Павел": "Павлович", "Лев": "Львович",
    "Михаил": "Михайлович", "Дмитрий": "Дмитриевич", "Георгий": "Георгиевич", "Илья": "Ильич",
    "Никита": "Никитич", "Кузьма": "Кузьмич", "Фома": "Фомич", "Федор": "Федорович",
    "Фёдор": "Фёдорович", "Савва": "Саввич",
}

#: diminutives and familiar forms, full name -> forms seen in obituaries and posts
DIMINUTIVES: dict[str, tuple[str, ...]] = {
    "Александр": ("Саша", "Саня", "Шура"), "Алексей": ("Лёша", "Алёша"), "Анатолий": ("Толя",),
    "Андрей": ("Андрюша",), "Антон": ("Тоша",), "Артём": ("Тёма",), "Борис": ("Боря",),
    "Вадим": ("Вадик",), "Валерий": ("Валера",), "Василий": ("Вася",), "Виктор": ("Витя",),
    "Виталий": ("Виталик",), "Владимир": ("Вова", "Володя"), "Владислав": ("Влад",),
    "Вячеслав": ("Слава",), "Геннадий": ("Гена",), "Григорий": ("Гриша",), "Дмитрий": ("Дима", "Митя"),
    "Евгений": ("Женя",), "Иван": ("Ваня",), "Илья": ("Илюша",), "Константин": ("Костя",),
    "Леонид": ("Лёня",), "Максим": ("Макс",), "Михаил": ("Миша",), "Николай": ("Коля",),
    "Павел": ("Паша",), "Пётр": ("Петя",), "Роман": ("Рома",), "Сергей": ("Серёжа", "Серега"),
    "Станислав": ("Стас",), "Степан": ("Стёпа",), "Фёдор": ("Федя",), "Юрий": ("Юра",),
    "Даниил": ("Даня",), "Семён": ("Сеня",), "Тимофей": ("Тима",), "Георгий": ("Гоша", "Жора"),
    "Егор": ("Егорка",), "Кирилл": ("Киря",), "Ярослав": ("Ярик",),
}

_VOWELS = set("аеёиоуыэюя")
_NOT_NOUNS = ("ть", "ся", "сь", "ый", "ий", "ой", "ая", "ее", "ое", "о", "чь", "ти")


def patronymic(father: str) -> str:
    """Return the patronymic formed from ``father``'s given name.

    >>> patronymic("Иван"), patronymic("Сергей"), patronymic("Юрий"), patronymic("Николай")
    ('Иванович', 'Сергеевич', 'Юрьевич', 'Николаевич')
    """
    if father in _IRREGULAR:
        return _IRREGULAR[father]
    if father.endswith("ий"):
        return father[:-2] + "ьевич"
    if father.endswith("й") and father[-2] in _VOWELS:
        return father[:-1] + "евич"
    if father.endswith("ь"):
        return father[:-1] + "евич"
    if father[-1] in "ая":
        return father[:-1] + "ич"
    return father + "ович"


@lru_cache(maxsize=1)
def surname_table() -> tuple[tuple[str, ...], np.ndarray]:
    """All surnames and their sampling probabilities (head from Faker, tail built from words)."""
    from faker.providers.lorem.ru_RU import Provider as Lorem
    from faker.providers.person.ru_RU import Provider as Person

    head = list(dict.fromkeys(Person.last_names_male))
    ranks = np.arange(1, len(head) + 1)
    # Zipf-like head: rank 1 ~ 2% of people, the 250 together ~ 45%
    head_w = 1.0 / (ranks + 8.0)
    head_w = 0.45 * head_w / head_w.sum()
    tail = []
    seen = set(head)
    for word in sorted(set(Lorem.word_list)):
        if not word.isalpha() or len(word) < 4 or word.endswith(_NOT_NOUNS):
            continue
        stem = word[:-1] if word[-1] in _VOWELS or word[-1] == "ь" else word
        if len(stem) < 3 or stem[-1] in "йъ" or stem[-1] in _VOWELS:
            continue
        soft = word[-1] == "ь" or stem[-1] in "жчшщц"
        first = "ев" if soft else ("ин" if word[-1] in "ая" else "ов")
        for suffix in (first, "ский"):
            if suffix == "ский" and stem[-1] in "жчшщцкгхсз":
                continue
            name = stem[:1].upper() + stem[1:] + suffix
            if name not in seen:
                seen.add(name)
                tail.append(name)
    tail_w = np.full(len(tail), 0.55 / max(len(tail), 1))
    names = tuple(head + tail)
    p = np.concatenate([head_w, tail_w])
    return names, p / p.sum()


def weighted(table: dict[str, float]) -> tuple[tuple[str, ...], np.ndarray]:
    """Keys and normalised weights of a name table."""
    keys = tuple(table)
    w = np.array([table[k] for k in keys], dtype=float)
    return keys, w / w.sum()
