"""Reading HR files and Mentorweb's CSV format: encodings, row errors, duplicates, board scoping."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic.networks import validate_email

from services.registration.domain.imports import (
    ImportContext,
    ImportItem,
    ParsedImport,
    check_mentorweb_csv,
    normalise_email,
    parse_mentorweb_csv,
    split_list,
)
from services.registration.domain.tabular import FileProblem, decode_text, read_table
from shared.events.vocabulary import DEFAULT_THEMES

pytestmark = pytest.mark.unit

CTX = ImportContext(board="ELM", program_year="2026-2027", known_themes=frozenset(DEFAULT_THEMES))
HEADER = "hr_id,role,given_name,family_name,email,grade_band,themes,subjects,learning_goals\n"


def parse(
    text: str, encoding: str = "utf-8", ctx: ImportContext = CTX
) -> tuple[ParsedImport, list[ImportItem]]:
    parsed = parse_mentorweb_csv(text.encode(encoding), ctx)
    return parsed, list(parsed.items)


def test_a_good_row_becomes_participant_fields():
    parsed, items = parse(
        HEADER + "E1,beginning_teacher,Zoé,Côté,Zoe@Example.ORG,junior,"
        "assessment; Classroom management,Core French;Arts,Fractions with manipulatives\n"
    )
    assert parsed.total == 1 and parsed.encoding == "utf-8"
    [item] = items
    assert item.row == 2 and item.action == "upsert" and item.errors == []
    assert item.data == {
        "board": "ELM",
        "program_year": "2026-2027",
        "hr_id": "E1",
        "role": "beginning_teacher",
        "given_name": "Zoé",
        "family_name": "Côté",
        "email": "Zoe@example.org",  # the domain is normalised, as the API's EmailStr does
        "language": "en",
        "school": None,
        "grade_band": "junior",
        "subjects": ["Core French", "Arts"],
        "themes": ["assessment", "classroom_management"],
        "learning_goals": "Fractions with manipulatives",
        "expertise_themes": [],
        "evaluates_hr_ids": [],
        "trained": False,
        "leads_school_leaders": False,
        "hub_capacity": 0,
        "one_to_one_capacity": 0,
    }


def test_each_bad_row_is_reported_with_row_and_column_and_the_good_rows_remain():
    _, items = parse(
        HEADER
        + "E1,beginning_teacher,Ana,Li,ana@example.org,junior,assessment,,\n"  # row 2: good
        + "E2,beginning_teacher,Bo,Ng,,junior,,,\n"  # row 3: missing email
        + "E3,beginning_teacher,Cy,Ro,cy@example.org,junior,underwater_basketry,,\n"  # row 4: theme
        + "E4,beginning_teacher,Di,Su,di@example.org,grade 9,,,\n"  # row 5: grade band
        + "E1,mentor,Ed,Wu,ed@example.org,senior,,,\n"  # row 6: duplicate HR id
        + "E6,beginning_teacher,Fa,Zo\n"  # row 7: wrong column count
        + "E7,mentor,Gi,Ha,gi@example.org,senior,,Arts,\n"  # row 8: good
    )
    report = {(e.row, e.column): e.message for item in items for e in item.errors}
    assert set(report) == {
        (3, "email"),
        (4, "themes"),
        (5, "grade_band"),
        (6, "hr_id"),
        (7, "email"),
    }
    assert "required" in report[(3, "email")]
    assert "underwater_basketry" in report[(4, "themes")]
    assert "row 2" in report[(6, "hr_id")]
    assert "expected 9 columns, found 4" in report[(7, "email")]
    assert [i.row for i in items if i.action == "upsert"] == [2, 8]


def test_too_many_columns_is_a_row_error_too():
    _, [item] = parse(HEADER + "E1,beginning_teacher,Ana,Li,ana@example.org,junior,,,,extra\n")
    assert item.action == "error" and item.errors[0].column == "column 10"


def test_a_row_naming_another_board_is_refused():
    _, [item] = parse("board,hr_id,role,given_name,family_name,email\nOAK,E1,mentor,Ana,Li,ana@example.org\n")
    assert item.action == "error" and item.errors[0].column == "board"
    _, [same] = parse("board,hr_id,role,given_name,family_name,email\nelm,E1,mentor,Ana,Li,ana@example.org\n")
    assert same.action == "upsert" and same.data["board"] == "ELM"


def test_withdrawn_status_withdraws_and_needs_only_the_key():
    _, [item] = parse("hr_id,status,role,given_name,family_name,email\nE1,withdrawn,,,,\n")
    assert item.action == "withdraw" and item.data["hr_id"] == "E1"


def test_role_specific_rules_from_the_participant_model_apply():
    _, [item] = parse(HEADER + "E1,mentor,Ana,Li,ana@example.org,junior,,,Has goals\n")
    assert {e.column for e in item.errors} == {"learning_goals"}


@pytest.mark.parametrize(
    ("prefix", "encoding", "expected"),
    [
        (b"", "utf-8", "utf-8"),
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (b"", "latin-1", "cp1252"),
        (b"", "cp1252", "cp1252"),
    ],
)
def test_french_names_survive_every_encoding(prefix, encoding, expected):
    text = HEADER + "E1,beginning_teacher,Étienne,Bélanger-Lévêque,e@example.org,primary,,,Élèves\n"
    parsed = parse_mentorweb_csv(prefix + text.encode(encoding), CTX)
    [item] = list(parsed.items)
    assert parsed.encoding == expected
    assert (item.data["given_name"], item.data["family_name"]) == ("Étienne", "Bélanger-Lévêque")


def test_utf16_with_bom_and_semicolon_separated_excel_files():
    text = 'hr_id;role;given_name;family_name;email;subjects\nE1;mentor;Zoé;Côté;z@example.org;"Arts;Music"\n'
    parsed = parse_mentorweb_csv(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), CTX)
    [item] = list(parsed.items)
    assert item.data["given_name"] == "Zoé" and item.data["subjects"] == ["Arts", "Music"]


def test_latin1_bytes_that_are_not_cp1252_still_decode():
    assert decode_text("Zo\x81".encode("latin-1"))[1] == "latin-1"


@pytest.mark.parametrize("content", [b"", b"   \n\n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\r\n"])
def test_an_empty_file_is_a_clear_error(content):
    with pytest.raises(FileProblem, match="empty"):
        parse_mentorweb_csv(content, CTX)
    with pytest.raises(FileProblem, match="empty"):
        check_mentorweb_csv(content)


def test_header_only_unknown_and_missing_columns_are_file_problems():
    with pytest.raises(FileProblem, match="no rows"):
        parse_mentorweb_csv(HEADER.encode(), CTX)
    with pytest.raises(FileProblem, match="unknown column"):
        check_mentorweb_csv(b"hr_id,role,given_name,family_name,email,shoe_size\n")
    with pytest.raises(FileProblem, match="missing required column"):
        check_mentorweb_csv(b"hr_id,role,given_name,family_name\n")


def test_a_thousand_columns_is_a_clear_problem_not_a_hang_or_a_crash():
    wide_header = HEADER.rstrip("\n") + "".join(f",extra_{i}" for i in range(991)) + "\n"
    assert wide_header.count(",") + 1 == 1000
    with pytest.raises(FileProblem, match="unknown column"):
        check_mentorweb_csv(wide_header.encode())
    # A row of 1,000 cells under the right header is that row's error; the next row still lands.
    wide_row = "E1,beginning_teacher,Ana,Li,ana@example.org,junior" + ",x" * 994 + "\n"
    _, items = parse(HEADER + wide_row + "E2,mentor,Bo,Ng,bo@example.org,junior,,,\n")
    assert [i.action for i in items] == ["error", "upsert"]
    assert items[0].errors[0].column.startswith("column ")


def test_headers_are_matched_loosely_and_blank_lines_keep_row_numbers():
    _, items = parse("HR ID, Role ,Given-Name,family name,EMAIL\n\nE1,Mentor,Ana,Li,ana@example.org\n")
    assert [(i.row, i.action, i.data["role"]) for i in items] == [(3, "upsert", "mentor")]


def test_rows_are_validated_lazily_in_file_order():
    parsed = parse_mentorweb_csv(
        (HEADER + "".join(f"E{n},mentor,A,B,a{n}@example.org,,,,\n" for n in range(5))).encode(), CTX
    )
    assert parsed.total == 5
    assert [i.row for i in parsed.items] == [2, 3, 4, 5, 6]


def test_lists_drop_blanks_and_repeats():
    assert split_list(" Arts ; ;Music;Arts;") == ["Arts", "Music"]
    assert split_list("") == [] and split_list(" Arts ") == ["Arts"]


def test_unreadable_records_are_row_errors_and_later_rows_still_land():
    huge = "x" * 1_000_001  # beyond the CSV reader's field limit
    content = (
        HEADER + f"E1,mentor,A,B,a@example.org,,,,{huge}\n" + "E2,mentor,C,D,c@example.org,,,,\n"
    ).encode()
    table = read_table(content)
    assert [e.row for e in table.errors] == [2] and "unreadable" in table.errors[0].message
    parsed = parse_mentorweb_csv(content, CTX)
    assert [(i.row, i.action) for i in parsed.items] == [(2, "error"), (3, "upsert")]


@pytest.mark.parametrize(
    "address",
    [
        "ana@example.org",
        "Ana.Li+mw@Sub.Example.ORG",
        "o'brien@example.ca",
        "a@b.co",
        "ana@example.test",  # special-use domain: refused by email-validator
        "ana@localhost",
        "ana@ab--cd.com",
        "ana..li@example.org",
        ".ana@example.org",
        "ana@-example.org",
        "Zoé@exemple.ca",
        "ana@exämple.ca",
        "a" * 65 + "@example.org",
        "not an email",
        "ana@example",
        "ana@123.45",
    ],
)
def test_email_fast_path_agrees_with_the_api(address):
    try:
        expected: str | None = validate_email(address)[1]
    except Exception:
        expected = None
    assert normalise_email(address) == expected


@settings(max_examples=300, deadline=None)
@given(st.emails() | st.text(max_size=40))
def test_email_fast_path_never_accepts_what_the_api_refuses(address):
    try:
        expected: str | None = validate_email(address)[1]
    except Exception:
        expected = None
    assert normalise_email(address) == expected


@pytest.mark.parametrize(
    ("prefix", "encoding", "expected"),
    [(b"", "cp1252", "cp1252"), (codecs.BOM_UTF8, "utf-8", "utf-8-sig"), (b"", "utf-8", "utf-8")],
)
def test_french_excel_semicolon_files_are_detected_by_charset_normalizer(prefix, encoding, expected):
    # Unconstrained, charset-normalizer reads this Windows-1252 file as cp775 (Baltic): the
    # detection is limited to what HR tools write.
    rows = "".join(
        f"E{i};beginning_teacher;François;Lévesque-Côté;f{i}@example.org;primary;;;Élèves en difficulté\n"
        for i in range(1, 6)
    )
    text = "hr_id;role;given_name;family_name;email;grade_band;school;subjects;learning_goals\n" + rows
    parsed = parse_mentorweb_csv(prefix + text.encode(encoding), CTX)
    items = list(parsed.items)
    assert parsed.encoding == expected and len(items) == 5
    assert {(i.data["given_name"], i.data["family_name"]) for i in items} == {("François", "Lévesque-Côté")}
