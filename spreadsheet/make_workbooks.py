"""Write the .xlsx workbooks of this folder from its CSV files and mappings/sheet-columns.toml.

    python spreadsheet/make_workbooks.py

modele.xlsx and template.xlsx are the empty templates (French and English headers, one sheet
per table, a first sheet that says how to fill them in); exemple-partenariat.xlsx is the filled
example of exemple-partenariat/ with English sheet names, headers and concept labels, and typed
cells (numbers, years, dates), so that a test can check that both give the same triples.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
COLUMNS = HERE.parent / "mappings" / "sheet-columns.toml"
ENGLISH = {  # the example's French cells, as an English-speaking team would write them
    "collectivité territoriale": "local authority",
    "plus de": "more than",
    "environ": "about",
    "tel qu'énoncé": "as stated",
    "personne": "person",
    "entreprise": "enterprise",
    "état à la date de référence": "state at the reference date",
    "par an": "per year",
    "cumul depuis le début de la période": "cumulative since the start of the period",
}
README = {
    "fr": (
        "lisez-moi",
        [
            "Modèle coopkg : une feuille par table ; la première ligne de chaque feuille porte les en-têtes "
            "(français ou anglais).",
            "Chaque ligne a un identifiant (minuscules, chiffres, tirets) que les autres feuilles citent.",
            "Dates : 2024-03-15 ou 15/03/2024 ; années : 2024 ; nombres : 1200, 1 200 ou 1200,5.",
            "Importer : coopkg import sheet FICHIER.xlsx --lang fr (voir docs/imports.md).",
        ],
    ),
    "en": (
        "read me",
        [
            "coopkg template: one sheet per table; the first row of each sheet holds the headers (English or French).",
            "Each row has an id (lower-case letters, digits, hyphens) that the other sheets refer to.",
            "Dates: 2024-03-15 or 15/03/2024; years: 2024; numbers: 1200, 1 200 or 1200.5.",
            "Import: coopkg import sheet FILE.xlsx (see docs/imports.md).",
        ],
    ),
}


def sheets() -> dict:
    return tomllib.loads(COLUMNS.read_text(encoding="utf-8"))["sheets"]


def template(lang: str, target: Path) -> None:
    """An empty workbook, headers in `lang`, and its CSV twin (one file per sheet)."""
    index = 0 if lang == "fr" else 1
    workbook = Workbook()
    title, lines = README[lang]
    readme = workbook.active
    readme.title = title
    for line in lines:
        readme.append([line])
    folder = target.with_suffix("")
    folder.mkdir(exist_ok=True)
    for sheet in sheets().values():
        headers = [column[("fr", "en")[index]] for column in sheet["columns"]]
        worksheet = workbook.create_sheet(sheet[("fr", "en")[index]])
        worksheet.append(headers)
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        with (folder / f"{sheet[('fr', 'en')[index]]}.csv").open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerow(headers)
    workbook.save(target)


def typed(text: str, kind: str):
    """A cell as a spreadsheet program stores it: numbers, years and days typed."""
    if text == "":
        return None
    if kind in ("year", "year-or-date") and re.fullmatch(r"\d{4}", text):
        return int(text)
    if kind in ("date", "year-or-date"):
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
    if kind == "number":
        compact = re.sub(r"[\s\u00a0]", "", text).replace(",", ".")
        return float(compact) if "." in compact else int(compact)
    return ENGLISH.get(text, text)


def example(source: Path, target: Path) -> None:
    """The filled example in English, from its French CSV files."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets().values():
        file = source / f"{sheet['fr']}.csv"
        if not file.is_file():
            continue
        with file.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        by_header = {column["fr"]: column for column in sheet["columns"]}
        columns = [by_header[header] for header in rows[0]]
        worksheet = workbook.create_sheet(sheet["en"])
        worksheet.append([column["en"] for column in columns])
        for row in rows[1:]:
            worksheet.append([typed(text, column["type"]) for column, text in zip(columns, row, strict=True)])
    workbook.save(target)


if __name__ == "__main__":
    template("fr", HERE / "modele.xlsx")
    template("en", HERE / "template.xlsx")
    example(HERE / "exemple-partenariat", HERE / "exemple-partenariat.xlsx")
