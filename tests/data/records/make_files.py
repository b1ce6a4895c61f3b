"""Writes the small source-list files the records tests read (run from this folder).

Five fictional people (invented names, no real person), written in every encoding, header language,
date form and transliteration the importer must read. Re-run after changing ROWS.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

ROWS = [  # id, surname, given, patronymic, birth, death, region, unit, rank
    ("1", "Щербаков", "Юрий", "Алексеевич", "12.03.1994", "марта 2023", "Респ. Бурятия",
     "в/ч 12345", "рядовой"),
    ("2", "Ёлкин", "Саша", "Петрович", "1990", "2023-05", "ХМАО", "", "сержант"),
    ("3", "Соловьёв", "Илья", "Ильич", "12 марта 1985", "14.02.2023", "ДНР", "", ""),
    ("4", "Петрова", "Наталия", "Сергеевна", "03.1970", "2022-12-01", "Свердловская обл.", "", ""),
    ("5", "Шевченко", "Дмитрий", "Олегович", "1994-03-12", "2023", "Republic of Buryatia",
     "=cmd|' /C calc'!A0", ""),
]
RU = ["№", "Фамилия", "Имя", "Отчество", "Дата рождения", "Дата гибели", "Регион", "Часть",
      "Звание"]
EN = ["record_id", "Surname", "Given name", "Patronymic", "Date of birth", "Date of death",
      "Region", "Unit", "Rank"]
# the same people romanised: BGN/PCGN, Wikipedia, ISO 9 (1968), ICAO, Ukrainian passport style
LATIN = [
    ("1", "Shcherbakov", "Yuriy", "Alekseyevich"),
    ("2", "Yolkin", "Sasha", "Petrovich"),
    ("3", "Solov'ev", "Il'ja", "Il'ič"),
    ("4", "Petrova", "Nataliia", "Sergeevna"),
    ("5", "Shevchenko", "Dmytro", "Olehovych"),
]


def text(headers, rows, delim):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator="\r\n")
    w.writerow(headers)
    w.writerows(rows)
    return buf.getvalue()


def main():
    en_rows = [r[:4] + (r[4], r[5]) + r[6:] for r in ROWS]
    with open("en_utf8.csv", "w", encoding="utf-8", newline="") as f:
        f.write(text(EN, en_rows, ","))
    with open("ru_utf8_bom.csv", "w", encoding="utf-8-sig", newline="") as f:
        f.write(text(RU, ROWS, ";"))
    with open("ru_cp1251.csv", "w", encoding="cp1251", newline="") as f:
        f.write(text(RU, ROWS, ";"))
    with open("ru_koi8r.tsv", "w", encoding="koi8_r", newline="") as f:
        f.write(text(["Номер", *RU[1:]], ROWS, "\t"))  # KOI8-R has no '№'
    with open("ru_utf16.txt", "w", encoding="utf-16", newline="") as f:
        f.write(text(RU, ROWS, "\t"))
    latin = [lat + r[4:] for lat, r in zip(LATIN, ROWS, strict=True)]
    with open("latin_utf8.csv", "w", encoding="utf-8", newline="") as f:
        f.write(text(EN, latin, "|"))
    # JSON lines: full names in the genitive ("list of the dead: Щербакова Юрия Алексеевича")
    genitive = ["Щербакова Юрия Алексеевича", "Ёлкина Саши Петровича", "Соловьёва Ильи Ильича",
                "Петровой Наталии Сергеевны", "Шевченко Дмитрия Олеговича"]
    with open("genitive.jsonl", "w", encoding="utf-8") as f:
        for r, full in zip(ROWS, genitive, strict=True):
            f.write(json.dumps({"id": int(r[0]), "full_name": full, "birth_date": r[4],
                                "death_date": r[5], "region": r[6], "unit": r[7] or None,
                                "rank": r[8], "extra": {"k": 1}}, ensure_ascii=False) + "\n")
    write_xlsx()


def write_xlsx():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(RU)
    for r in ROWS:
        cells = list(r)
        cells[0] = int(r[0])
        if r[4] == "12.03.1994":  # a real spreadsheet date cell
            cells[4] = dt.datetime(1994, 3, 12)
        if r[4] == "1990":  # a number cell
            cells[4] = 1990
        ws.append(cells)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a text cell that looks like a formula (injection test)
    wb.save("ru.xlsx")


if __name__ == "__main__":
    main()
