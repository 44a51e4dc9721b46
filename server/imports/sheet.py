"""A cooperation team's spreadsheet: an .xlsx workbook, or a folder of CSV files (one per sheet).

Every cell is read once, streamed, and checked against mappings/sheet-columns.toml: sheet
names and headers in French or English, each cell's type, required cells, identifiers and
references. What was read is written as one CSV table per sheet, its columns named by their
keys and its values in one spelling (ISO dates, digits, concept IRIs), for the mapping
(mappings/sheet.ttl) to read: the same tables whether the team filled in CSV or XLSX.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from .kind import Prepared, Problem, Project, slug_of
from .sheet_columns import (
    DATA_IRI,
    EXPECTED,
    IDENTIFIER,
    Blank,
    Column,
    Sheet,
    Vocabulary,
    column_letter,
    read_date,
    read_number,
    read_year,
    sheets,
)

IGNORED_SHEETS = {"lisez-moi", "read me", "readme", "notes"}
Tick = Callable[[int], None]


def read_tables(path: Path) -> Iterator[tuple[str, str, Iterator[list]]]:
    """Yield (label for messages, sheet name, rows) for each sheet of a workbook or each CSV
    file of a folder; a row is a list of cell values (str, numbers, dates, None)."""
    if path.is_dir():
        for file in sorted(path.glob("*.csv")):
            yield str(file), file.stem, _csv_rows(file)
        return
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for worksheet in workbook.worksheets:
            rows = (list(row) for row in worksheet.iter_rows(values_only=True))
            yield f"{path}[{worksheet.title}]", worksheet.title, rows
    finally:
        workbook.close()


def _csv_rows(file: Path) -> Iterator[list]:
    with file.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        delimiter = max(",;\t", key=first.count)  # Excel writes ';' where ',' is the decimal mark
        handle.seek(0)  # the decoder skips the byte order mark again
        yield from csv.reader(handle, delimiter=delimiter)


def prepare(path: Path, project: Project, folder: Path, tick: Tick | None = None) -> Prepared:
    """Check every cell of the spreadsheet at `path` and write the tables the mapping reads
    into `folder`; return them with the problems found and the row of each entity."""
    return _Reader(path, project, folder, tick or (lambda rows: None)).run()


class _Reader:
    def __init__(self, path: Path, project: Project, folder: Path, tick: Tick):
        self.path, self.folder, self.tick = path, folder, tick
        self.slug = slug_of(path)
        self.sheets = sheets()
        self.vocabulary = Vocabulary(project)
        self.prepared = Prepared()
        self.ids: dict[str, dict[str, str]] = {key: {} for key in self.sheets}
        self.references: list[tuple[str, int, str, str, str]] = []  # file, row, header, sheet, id
        self.rows = 0

    def problem(self, file: str, row: int | None, column: str | None, expected, found) -> None:
        self.prepared.problems.append(Problem(file, row, column, expected, "" if found is None else str(found)))

    def run(self) -> Prepared:
        seen: set[str] = set()
        try:
            for label, name, rows in read_tables(self.path):
                sheet = self._sheet_named(name)
                if sheet is None:
                    if name.strip().lower() not in IGNORED_SHEETS:
                        fr, en = (", ".join(s.names[i] for s in self.sheets.values()) for i in (0, 1))
                        self.problem(label, None, None, (f"une feuille parmi {fr}", f"a sheet among {en}"), name)
                    continue
                seen.add(sheet.name)
                self._read_sheet(label, sheet, rows)
        except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError) as error:
            self.problem(
                str(self.path),
                None,
                None,
                ("un classeur .xlsx ou un dossier de CSV en UTF-8", "an .xlsx workbook or a folder of UTF-8 CSV files"),
                f"{type(error).__name__}: {error}",
            )
        for sheet in self.sheets.values():
            if sheet.name not in seen:
                self._write_empty(sheet)
        self._check_references()
        if self.rows == 0 and not self.prepared.problems:
            self.problem(str(self.path), None, None, ("au moins une ligne de données", "at least one row of data"), "")
        self.prepared.sources = self.sources
        return self.prepared

    def _sheet_named(self, name: str) -> Sheet | None:
        wanted = name.strip().lower()
        return next((s for s in self.sheets.values() if wanted in (s.name, *(n.lower() for n in s.names))), None)

    def _read_sheet(self, label: str, sheet: Sheet, rows: Iterator[list]) -> None:
        header = next(rows, None) or []
        by_header = {h.lower(): c for c in sheet.columns for h in (*c.headers, c.key)}
        columns: list[Column | None] = []
        written: dict[str, str] = {}
        for index, cell in enumerate(header):
            text = "" if cell is None else str(cell).strip()
            column = by_header.get(text.lower())
            if column is None and text:
                choices = ", ".join(c.headers[0] for c in sheet.columns)
                self.problem(
                    label,
                    1,
                    column_letter(index),
                    (
                        f"une colonne parmi {choices}",
                        f"a column among {', '.join(c.headers[1] for c in sheet.columns)}",
                    ),
                    text,
                )
            columns.append(column)
            if column is not None:
                written[column.key] = text
        present = {c.key for c in columns if c is not None}
        for column in sheet.columns:
            if column.required and column.key not in present:
                self.problem(
                    label, 1, None, (f"une colonne « {column.headers[0]} »", f'a column "{column.headers[1]}"'), ""
                )
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / f"{sheet.name}.csv").open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=sheet.out_columns())
            writer.writeheader()
            uniques: dict[tuple, int] = {}
            for number, cells in enumerate(rows, start=2):
                if all(c is None or str(c).strip() == "" for c in cells):
                    continue
                record = self._read_row(label, sheet, number, columns, cells, written)
                key = tuple(record.get(k, "") for k in (sheet.unique or ()))
                if sheet.unique and all(key):
                    if key in uniques:
                        self.problem(
                            label,
                            number,
                            sheet.unique[-1],
                            (
                                f"une seule ligne par {', '.join(sheet.unique)} (déjà ligne {uniques[key]})",
                                f"one row per {', '.join(sheet.unique)} (already row {uniques[key]})",
                            ),
                            " ".join(key),
                        )
                    uniques.setdefault(key, number)
                for template in sheet.iris:
                    self.prepared.origins[DATA_IRI + template.format_map(Blank(record))] = f"{label}:{number}"
                writer.writerow({**record, "import_source": self.slug})
                self.rows += 1
                if self.rows % 500 == 0:
                    self.tick(self.rows)
        self.tick(self.rows)

    def _read_row(
        self, label: str, sheet: Sheet, number: int, columns: list, cells: list, written: dict
    ) -> dict[str, str]:
        raw: dict[str, object] = {}
        for column, cell in zip(columns, cells, strict=False):
            if column is not None:
                raw[column.key] = cell
        record: dict[str, str] = {}
        for column in sheet.columns:
            cell = raw.get(column.key)
            text = "" if cell is None else str(cell).strip()
            header = written.get(column.key, column.headers[1])
            if text == "" and column.default is not None:
                cell = text = column.default
            if text == "":
                if column.required and column.key in written:  # a missing column is reported once, above
                    self.problem(label, number, header, EXPECTED["required"], "")
                continue
            record.update(self._cell(label, number, header, column, cell, text))
            if column.type == "id":
                seen = self.ids[sheet.name]
                if text in seen:
                    self.problem(
                        label,
                        number,
                        header,
                        (
                            f"un identifiant unique dans la feuille (déjà {seen[text]})",
                            f"an identifier unique in the sheet (already {seen[text]})",
                        ),
                        text,
                    )
                seen.setdefault(text, f"{label}:{number}")
        if sheet.stated_as_default and not record.get("stated_as"):
            words = {k: ("" if raw.get(k) is None else str(raw[k]).strip()) for k in raw}
            record["stated_as"] = sheet.stated_as_default.format_map(Blank(words)).strip()
        return {k: v for k, v in record.items() if v != ""}

    def _cell(self, label: str, number: int, header: str, column: Column, cell, text: str) -> dict[str, str]:
        kind, key = column.type, column.key
        bad = lambda expected: self.problem(label, number, header, expected, text)  # noqa: E731
        if kind == "text":
            return {key: text}
        if kind in ("id", "key"):
            if not IDENTIFIER.match(text):
                bad(EXPECTED["id"])
            return {key: text}
        if kind.startswith("ref:"):
            self.references.append((label, number, header, kind[4:], text))
            return {key: text}
        if kind == "date":
            day = read_date(cell, text)
            if day is None:
                bad(EXPECTED["date"])
            return {key: day or ""}
        if kind == "year":
            year = read_year(cell, text)
            if year is None:
                bad(EXPECTED["year"])
            return {key: year or ""}
        if kind == "year-or-date":
            year = read_year(cell, text)
            day = None if year else read_date(cell, text)
            if year is None and day is None:
                bad(EXPECTED["year-or-date"])
            return {key + "_year": year or "", key + "_date": day or ""}
        if kind == "number":
            number_text = read_number(cell, text)
            if number_text is None:
                bad(EXPECTED["number"])
                return {}
            integral = re.fullmatch(r"-?\d+", number_text) is not None
            return {key + ("_integer" if integral else "_decimal"): number_text}
        if kind == "url":
            if not re.match(r"^https?://[^\s]+$", text):
                bad(EXPECTED["url"])
            return {key: text}
        if kind == "country":
            iri = self.vocabulary.countries.get(text.upper())
            if iri is None:
                codes = self.vocabulary.choices("country")
                more = len(self.vocabulary.countries) - len(codes.split(", ")) if codes else 0
                bad(
                    (
                        f"un code de pays ISO 3166 connu du graphe ({codes}"
                        + (f", ou l'un des {more} autres codes de la liste IATI)" if more else ")"),
                        f"an ISO 3166 country code the graph knows ({codes}"
                        + (f", or one of the {more} other codes of IATI's list)" if more else ")"),
                    )
                )
            return {key: iri or ""}
        iri = self.vocabulary.concepts[kind].get(text.lower())
        if iri is None:
            names = self.vocabulary.choices(kind)
            bad((f"l'un de : {names} (ou son libellé)", f"one of: {names} (or its label)"))
        return {key: iri or ""}

    def _check_references(self) -> None:
        for label, number, header, target, value in self.references:
            if value in self.ids[target]:
                continue
            template = self.sheets[target].iri
            if template and DATA_IRI + template.format(id=value) in self.vocabulary.entities:
                continue
            name = self.sheets[target].names
            self.problem(
                label,
                number,
                header,
                (f"l'identifiant d'une ligne de la feuille « {name[0]} »", f'the id of a row of the sheet "{name[1]}"'),
                value,
            )

    def _write_empty(self, sheet: Sheet) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / f"{sheet.name}.csv").open("w", encoding="utf-8", newline="") as out:
            csv.DictWriter(out, fieldnames=sheet.out_columns()).writeheader()

    @property
    def sources(self) -> dict[str, Path]:
        return {key: self.folder / f"{key}.csv" for key in self.sheets}


def media_type(path: Path) -> str:
    """The media type of the original (a folder of CSV files is text/csv)."""
    if path.is_dir() or path.suffix.lower() == ".csv":
        return "text/csv"
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
