"""The seed: the same rng_seed yields the same records and the same stored files."""

from __future__ import annotations

import json
import sqlite3

from sandbox.seed import seed


def seeded(path) -> tuple[list[tuple], list[tuple]]:
    seed(db_path=path, records=300, rng_seed=7)
    conn = sqlite3.connect(path)
    try:
        records = conn.execute("SELECT id, data FROM records ORDER BY id").fetchall()
        files = conn.execute(
            "SELECT id, name, content_type, size, content FROM files ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    return records, files


def test_the_same_rng_seed_stores_the_same_files_under_the_same_ids(tmp_path):
    first = seeded(tmp_path / "a.sqlite3")
    second = seeded(tmp_path / "b.sqlite3")

    assert first == second
    assert len(first[1]) > 100


def test_every_seeded_file_row_names_a_stored_file_of_its_name_size_and_kind(tmp_path):
    records, files = seeded(tmp_path / "crm.sqlite3")
    stored = {file_id: (name, kind, size) for file_id, name, kind, size, _ in files}
    contents = {file_id: content for file_id, *_, content in files}

    photos, checked = set(), {"image/png": 0, "application/pdf": 0}
    for _, data in records:
        for field, kind in (("Photos", "image/png"), ("Documents", "application/pdf")):
            for row in json.loads(data).get(field) or []:
                expected = (row["File_Name__s"], kind, int(row["Size__s"]))
                assert stored[row["File_Id__s"]] == expected
                checked[kind] += 1
                if kind == "image/png":
                    assert stored[row["Preview_Id__s"]] == expected
                    photos.add(contents[row["File_Id__s"]])
    assert min(checked.values()) > 20
    # A few distinct pictures, each stored once per file id (no made-up sizes).
    assert 4 <= len(photos) <= 8
