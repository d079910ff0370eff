"""The console's pure rules: sessions and CSRF, languages, matching's reasons as codes, screen summaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.console.domain import reasons, summaries
from services.console.domain.language import negotiate
from services.console.domain.session import (
    ApiTokens,
    ConsoleSession,
    SignedInUser,
    csrf_matches,
    safe_return_path,
    user_from_claims,
)

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def session(csrf: str = "token-1") -> ConsoleSession:
    return ConsoleSession(id="s", csrf_token=csrf, created_at=NOW, expires_at=NOW + timedelta(hours=1))


def test_csrf_token_must_match_exactly():
    assert csrf_matches(session(), "token-1")
    assert not csrf_matches(session(), "token-2")
    assert not csrf_matches(session(), "")
    assert not csrf_matches(session(), None)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/boards/ELM", "/boards/ELM"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil", "/"),
        (None, "/"),
    ],
)
def test_only_local_paths_are_returned_to(given, expected):
    assert safe_return_path(given) == expected


def test_language_remembered_first_then_browser_then_english():
    assert negotiate("fr", "en-CA,en;q=0.9") == "fr"
    assert negotiate(None, "fr-CA,fr;q=0.9,en;q=0.5") == "fr"
    assert negotiate("de", "de-DE") == "en"
    assert negotiate(None, None) == "en"


def test_board_scoping_of_users():
    coordinator = SignedInUser("c", "C", frozenset({"board_coordinator"}), board="ELM")
    admin = SignedInUser("a", "A", frozenset({"province_admin"}))
    participant = SignedInUser("p", "P", frozenset({"participant"}), board="ELM")
    assert coordinator.may_see_board("ELM") and not coordinator.may_see_board("OAK")
    assert admin.may_see_board("OAK")
    assert not participant.may_use_console()


def test_user_from_token_claims():
    user = user_from_claims({"sub": "x", "name": "Ada", "roles": "board_coordinator", "board": "ELM"})
    assert user == SignedInUser("x", "Ada", frozenset({"board_coordinator"}), "ELM")


def test_tokens_refresh_a_minute_before_expiry():
    tokens = ApiTokens("t", expires_at=NOW + timedelta(seconds=90))
    assert not tokens.needs_refresh(NOW)
    assert tokens.needs_refresh(NOW + timedelta(seconds=31))


@pytest.mark.parametrize(
    ("sentence", "code", "values"),
    [
        (
            "the target hub meets in fr, the teacher in en",
            "language_mismatch",
            {"hub": "fr", "teacher": "en"},
        ),
        (
            "hub leader 5c1e of the target hub evaluates this teacher; mentorship is non-evaluative",
            "leader_evaluates",
            {"leader": "5c1e"},
        ),
        ("the target hub would have 9 members (maximum 8)", "target_too_big", {"count": "9", "limit": "8"}),
        ("needs 1 more hub leader: choose one (leader swap)", "needs_leaders", {"count": "1"}),
        ("the target hub is for new school leaders", "track_mismatch", {"track": "new school leaders"}),
        (
            "no 2 eligible hub leaders (fr, ELM): only 1 mentors with capacity left",
            "not_enough_leaders",
            {"needed": "2", "language": "fr", "count": "1"},
        ),
    ],
)
def test_matching_sentences_become_codes(sentence, code, values):
    parsed = reasons.parse(sentence)
    assert (parsed.code, parsed.values) == (code, values)


def test_unknown_sentences_are_kept_verbatim():
    parsed = reasons.parse_all("something new the console does not know; send force=true to override")
    assert [r.code for r in parsed] == ["other", "send_force"]
    assert parsed[0].original == "something new the console does not know"


def test_a_sentence_holding_a_semicolon_is_one_reason():
    parsed = reasons.parse_all(
        "hub leader 0b1c of the target hub evaluates this teacher; mentorship is non-evaluative; "
        "the target hub is for new school leaders"
    )
    assert [r.code for r in parsed] == ["leader_evaluates", "track_mismatch"]
    assert parsed[0].values == {"leader": "0b1c"}


def hub(hub_id: str, leaders: int, flags: list[str] | None = None, year: str = "2026-2027") -> dict:
    return {
        "id": hub_id,
        "program_year": year,
        "leaders": [{"participant_id": f"l{i}"} for i in range(leaders)],
        "members": [{"participant_id": "m"}],
        "member_count": 1,
        "flags": flags or [],
    }


def test_board_home_counts_and_needs_attention_links():
    home = summaries.board_home(
        board={"code": "ELM", "name": "Elmwood"},
        program_year="2026-2027",
        timeline={
            "standings": [
                {
                    "program_year": "2026-2027",
                    "scope": "board",
                    "current": [{"title": "Orientation"}],
                    "next": [],
                    "overdue": [{"title": "Needs assessment"}],
                }
            ]
        },
        registered=40,
        placed=30,
        withdrawn=1,
        hubs=[hub("h1", 2), hub("h2", 1), hub("h3", 2, ["below the minimum size: 1 members (minimum 6)"])],
        hub_total=3,
        unplaced=[{"participant_id": "u"}],
        meetings=[{"status": "held"}, {"status": "scheduled"}],
        failed_messages=2,
    )
    assert (
        home.counts["unplaced"] == 1 and home.counts["meetings_held"] == 1 and home.counts["hub_members"] == 3
    )
    assert home.phase_titles == ["Orientation"] and home.overdue_titles == ["Needs assessment"]
    links = {a.kind: (a.count, a.link) for a in home.attention}
    assert links == {
        "unplaced_teacher": (1, "/boards/ELM/hubs#unplaced"),
        "not_placed_yet": (9, "/boards/ELM/hubs#runs"),
        "hub_missing_leaders": (1, "/boards/ELM/hubs#hub-h2"),
        "hub_flagged": (1, "/boards/ELM/hubs#hub-h3"),
        "failed_message": (2, "/boards/ELM/messages"),
        "overdue_phase": (1, "/boards/ELM#timeline"),
    }


def test_nothing_needs_attention_on_a_healthy_board():
    home = summaries.board_home(
        board={"code": "ELM"},
        program_year="2026-2027",
        timeline=None,
        registered=8,
        placed=8,
        withdrawn=0,
        hubs=[hub("h1", 2)],
        hub_total=1,
        unplaced=[],
        meetings=[],
        failed_messages=0,
    )
    assert home.attention == []


def test_a_board_with_everyone_registered_and_nobody_placed_needs_attention():
    """63 registered, no run published: the home must not say that nothing needs attention."""
    home = summaries.board_home(
        board={"code": "ELM"},
        program_year="2026-2027",
        timeline={"standings": []},
        registered=63,
        placed=0,
        withdrawn=0,
        hubs=[],
        hub_total=0,
        unplaced=[],
        meetings=[],
        failed_messages=0,
        runs=[{"id": "r1", "status": "draft", "started_at": "2026-09-01T10:00:00+00:00"}],
        readiness={"up_to_date": False, "behind": {"participants": 4, "revisions": 6}},
        check_ins=2,
    )
    links = {a.kind: (a.count, a.link) for a in home.attention}
    assert links == {
        "matching_behind": (4, "/boards/ELM#readiness"),
        "draft_run": (1, "/boards/ELM/matching-runs/r1?year=2026-2027"),
        "not_placed_yet": (63, "/boards/ELM/hubs#runs"),
        "needs_check_in": (2, "/boards/ELM/evaluation#check-in"),
        "no_timeline": (1, "/boards/ELM#timeline"),
    }


def test_a_published_run_is_no_draft_to_review_and_a_caught_up_matching_is_no_item():
    home = summaries.board_home(
        board={"code": "ELM"},
        program_year="2026-2027",
        timeline=None,
        registered=8,
        placed=8,
        withdrawn=0,
        hubs=[hub("h1", 2)],
        hub_total=1,
        unplaced=[],
        meetings=[],
        failed_messages=0,
        runs=[
            {"id": "r1", "status": "draft", "started_at": "2026-09-01T10:00:00+00:00"},
            {"id": "r2", "status": "published", "started_at": "2026-09-02T10:00:00+00:00"},
        ],
        readiness={"up_to_date": True, "behind": {"participants": 0, "revisions": 0}},
        check_ins=0,
    )
    assert home.attention == []


def test_meetings_releasing_teachers_on_a_day_without_cover_are_flagged():
    meetings = [
        {"status": "scheduled", "day": "2026-10-06", "release_time": True, "releases": 5},  # no capacity set
        {"status": "scheduled", "day": "2026-10-07", "release_time": True, "releases": 5},  # over-booked
        {"status": "scheduled", "day": "2026-10-08", "release_time": True, "releases": 5},  # covered
        {"status": "scheduled", "day": "2026-10-09", "release_time": False, "releases": 0},  # after school
        {"status": "cancelled", "day": "2026-10-06", "release_time": True, "releases": 5},
        {"status": "held", "day": "2026-10-06", "release_time": True, "releases": 5},
    ]
    capacity = [
        {"date": "2026-10-07", "capacity": 4, "booked": 5, "left": -1},
        {"date": "2026-10-08", "capacity": 10, "booked": 5, "left": 5},
    ]
    found = summaries.meetings_without_cover(meetings, capacity)
    assert [m["day"] for m in found] == ["2026-10-06", "2026-10-07"]
    assert summaries.meetings_without_cover(meetings, None) == []


def test_pagination():
    pages = summaries.paginate(total=45, page=3, limit=20)
    assert (pages.page, pages.pages, pages.offset, pages.previous, pages.next) == (3, 3, 40, 2, None)
    assert summaries.paginate(total=0, page=5, limit=20).page == 1


def test_move_targets_are_the_other_hubs_of_the_same_year():
    hubs = [hub("a", 2), hub("b", 2), hub("c", 2, year="2025-2026")]
    assert [h["id"] for h in summaries.move_targets(hubs, "a")] == ["b"]


def test_program_year_turns_in_july():
    assert summaries.program_year_of(date(2026, 12, 2)) == "2026-2027"
    assert summaries.program_year_of(date(2027, 6, 30)) == "2026-2027"
    assert summaries.program_year_of(date(2027, 7, 1)) == "2027-2028"


def test_participant_counts_of_one_board():
    rows = [
        {"board": "ELM", "role": "mentor", "status": "registered", "count": 5},
        {"board": "ELM", "role": "beginning_teacher", "status": "placed", "count": 3},
        {"board": "ELM", "role": "beginning_teacher", "status": "withdrawn", "count": 1},
        {"board": "OAK", "role": "mentor", "status": "registered", "count": 9},
    ]
    assert summaries.participant_counts(rows, "ELM") == {"registered": 8, "placed": 3, "withdrawn": 1}
