"""The console as a running process over HTTP, against the four services on real RabbitMQ and PostgreSQL:
sessions and CSRF, board scoping, the screens, a refused move worded in French, sign-out."""

from __future__ import annotations

import httpx
import pytest

from services.console.tests.helpers import ConsoleClient, wait_until_caught_up
from shared.testing.helpers import auth

pytestmark = pytest.mark.e2e


@pytest.fixture
def coordinator(console, boards):  # type: ignore[no-untyped-def]
    client = ConsoleClient(console.url("console"))
    home = client.sign_in_dev("coordinator", boards["a"]["board"]["code"])
    assert home.status_code == 200, home.text
    yield client
    client.close()


def hubs_of(console, token, code: str, year: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = httpx.get(
        f"{console.url('matching')}/v1/hubs",
        params={"board": code, "program_year": year, "limit": 200},
        headers=auth(token("province_admin")),
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def test_session_cookie_is_http_only_lax_and_secure(console):  # type: ignore[no-untyped-def]
    response = httpx.get(f"{console.url('console')}/sign-in")
    cookie = response.headers["set-cookie"]
    assert response.status_code == 200
    assert (
        "mw_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    )


def test_signed_out_visitors_are_sent_to_sign_in(console, boards):  # type: ignore[no-untyped-def]
    code = boards["a"]["board"]["code"]
    response = httpx.get(f"{console.url('console')}/boards/{code}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/sign-in?next=/boards/{code}"


def test_coordinator_sees_board_home_people_and_hubs(coordinator, boards):  # type: ignore[no-untyped-def]
    board = boards["a"]["board"]
    home = coordinator.get(f"/boards/{board['code']}")
    assert home.status_code == 200
    assert board["name"] in home.text and "Needs attention" in home.text
    person = boards["a"]["people"][5]
    found = coordinator.get(f"/boards/{board['code']}/people", params={"q": person["hr_id"]})
    assert found.status_code == 200
    assert f"{person['family_name']}, {person['given_name']}" in found.text
    assert "1 person found" in found.text
    by_name = coordinator.get(
        f"/boards/{board['code']}/people", params={"q": person["family_name"], "role": "mentor"}
    )
    assert "people found" in by_name.text or "person found" in by_name.text
    hubs = coordinator.get(f"/boards/{board['code']}/hubs")
    assert hubs.status_code == 200 and 'class="mw-hub' in hubs.text
    # Each member shows their HR id; the published counts come by role.
    assert "HR id " in hubs.text and 'id="by-role"' in hubs.text and "New school leaders" in hubs.text


def test_other_boards_and_the_province_view_are_404_for_a_coordinator(coordinator, boards):  # type: ignore[no-untyped-def]
    other = boards["b"]["board"]["code"]
    for path in (f"/boards/{other}", f"/boards/{other}/people", f"/boards/{other}/hubs", "/province"):
        response = coordinator.get(path)
        assert response.status_code == 404, path
        assert boards["b"]["board"]["name"] not in response.text


def test_a_post_without_the_csrf_token_changes_nothing(coordinator, console, boards, token):  # type: ignore[no-untyped-def]
    code, year = boards["a"]["board"]["code"], boards["year"]
    hubs = hubs_of(console, token, code, year)
    source = next(h for h in hubs if h["members"])
    member = source["members"][0]["participant_id"]
    target = next(h for h in hubs if h["id"] != source["id"] and h["language"] == source["language"])
    refused = coordinator.post(
        f"/boards/{code}/hubs/{source['id']}/moves", {"participant_id": member, "to_hub_id": target["id"]}
    )
    assert refused.status_code == 403
    wrong = coordinator.post(f"/boards/{code}/hubs/{source['id']}/lock", {"csrf_token": "not-the-token"})
    assert wrong.status_code == 403
    # The same lock with the session's token goes through: proof the refusals above were the CSRF check.
    page = coordinator.get(f"/boards/{code}/hubs")
    locked = coordinator.post(
        f"/boards/{code}/hubs/{source['id']}/lock", {"csrf_token": coordinator.csrf(page)}
    )
    assert locked.status_code == 303
    after = {h["id"]: h for h in hubs_of(console, token, code, year)}
    assert after[source["id"]]["locked"] is True
    assert member in {m["participant_id"] for m in after[source["id"]]["members"]}
    unlocked = coordinator.post(
        f"/boards/{code}/hubs/{source['id']}/unlock", {"csrf_token": coordinator.csrf(page)}
    )
    assert unlocked.status_code == 303
    assert {h["id"]: h for h in hubs_of(console, token, code, year)}[source["id"]]["locked"] is False


def test_a_refused_move_says_why_in_french(coordinator, console, boards, token):  # type: ignore[no-untyped-def]
    code, year = boards["a"]["board"]["code"], boards["year"]
    hubs = hubs_of(console, token, code, year)
    # A move matching always refuses: to a hub of another language, or of the other track.
    source, target = next(
        (s, t)
        for s in hubs
        for t in hubs
        if s["members"] and (s["language"] != t["language"] or s["track"] != t["track"])
    )
    expected = (
        "Le carrefour visé se réunit en"
        if source["language"] != target["language"]
        else "Le carrefour visé est destiné aux"
    )
    member = source["members"][0]["participant_id"]
    switched = coordinator.get(f"/language/fr?next=/boards/{code}/hubs")
    assert switched.status_code == 303 and coordinator.cookies.get("mw_lang") == "fr"
    page = coordinator.follow(switched)
    assert '<html lang="fr">' in page.text and "Carrefours" in page.text
    refused = coordinator.post(
        f"/boards/{code}/hubs/{source['id']}/moves?year={year}",
        {"csrf_token": coordinator.csrf(page), "participant_id": member, "to_hub_id": target["id"]},
    )
    assert refused.status_code == 409
    assert "La modification a été refusée" in refused.text
    assert expected in refused.text
    assert "the target hub" not in refused.text  # worded by the console in French, not passed through
    after = {h["id"]: h for h in hubs_of(console, token, code, year)}
    assert member in {m["participant_id"] for m in after[source["id"]]["members"]}


def test_a_move_through_the_form_moves_the_member(coordinator, console, boards, token):  # type: ignore[no-untyped-def]
    code, year = boards["a"]["board"]["code"], boards["year"]
    hubs = hubs_of(console, token, code, year)
    source, target = next(
        (s, t)
        for s in hubs
        for t in hubs
        if s["id"] != t["id"]
        and s["language"] == t["language"]
        and s["track"] == t["track"]
        and len(s["members"]) > 1
        and not s["locked"]
        and not t["locked"]
    )
    member = source["members"][-1]["participant_id"]
    form = coordinator.get(
        f"/boards/{code}/hubs/{source['id']}/move", params={"participant": member, "year": year}
    )
    assert form.status_code == 200
    moved = coordinator.post(
        f"/boards/{code}/hubs/{source['id']}/moves?year={year}",
        {
            "csrf_token": coordinator.csrf(form),
            "participant_id": member,
            "to_hub_id": target["id"],
            "force": "true",
        },
    )
    assert moved.status_code == 303, moved.text
    after = {h["id"]: h for h in hubs_of(console, token, code, year)}
    assert member in {m["participant_id"] for m in after[target["id"]]["members"]}
    assert member not in {m["participant_id"] for m in after[source["id"]]["members"]}


def run_status(console, token, code: str, year: str, run_id: str) -> str:  # type: ignore[no-untyped-def]
    runs = httpx.get(
        f"{console.url('matching')}/v1/boards/{code}/program-years/{year}/matching-runs",
        headers=auth(token("province_admin")),
    )
    assert runs.status_code == 200, runs.text
    return {r["id"]: r["status"] for r in runs.json()}[run_id]  # type: ignore[no-any-return]


def test_a_run_is_reviewed_in_french_then_discarded_and_changes_nothing(coordinator, console, boards, token):  # type: ignore[no-untyped-def]
    code, year = boards["a"]["board"]["code"], boards["year"]
    wait_until_caught_up(console.url("matching"), token("province_admin"), code, year)
    before = hubs_of(console, token, code, year)
    page = coordinator.follow(coordinator.get(f"/language/fr?next=/boards/{code}/hubs?year={year}"))
    started = coordinator.post(
        f"/boards/{code}/matching-runs?year={year}", {"csrf_token": coordinator.csrf(page)}
    )
    assert started.status_code == 303, started.text
    assert started.headers["location"].startswith(f"/boards/{code}/matching-runs/")
    run_id = started.headers["location"].split("/matching-runs/")[1].split("?")[0]
    assert run_status(console, token, code, year, run_id) == "draft"

    review = coordinator.follow(started)
    assert review.status_code == 200
    assert "Examiner l’ébauche" in review.text and "Ce que la publication changerait" in review.text
    assert ">Publier</button>" in review.text and ">Abandonner</button>" in review.text
    draft = httpx.get(
        f"{console.url('matching')}/v1/boards/{code}/program-years/{year}/matching-runs/{run_id}/draft",
        headers=auth(token("province_admin")),
    ).json()
    assert review.text.count('class="mw-hub mw-draft-hub"') == len(draft["hubs"]) > 0
    for hub in draft["hubs"]:
        for person in (*hub["members"], *hub["leaders"]):
            assert person["display_name"] in review.text
            if person["school"]:
                assert person["school"] in review.text
    assert hubs_of(console, token, code, year) == before  # a draft is not published

    # Move a member within the draft through the form: the draft is recomputed, nothing is published.
    assert "Déplacer un membre dans l’ébauche" in review.text
    candidates = [
        (s["members"][0]["participant_id"], t["id"])
        for s in draft["hubs"]
        for t in draft["hubs"]
        if s["id"] != t["id"]
        and (s["language"], s["track"]) == (t["language"], t["track"])
        and s["members"]
        and not s["locked"]
        and not t["locked"]
    ]
    for member, target in candidates:  # a leader of the target may evaluate them: that is refused
        moved = coordinator.post(
            f"/boards/{code}/matching-runs/{run_id}/draft-moves?year={year}",
            {
                "csrf_token": coordinator.csrf(review),
                "participant_id": member,
                "to_hub_id": target,
                "force": "true",
            },
        )
        if moved.status_code != 409:
            break
        assert 'role="alert"' in moved.text and "La modification a été refusée" in moved.text
    assert moved.status_code == 303, moved.text
    assert moved.headers["location"] == (
        f"/boards/{code}/matching-runs/{run_id}?year={year}&done=moved#draft-hub-{target}"
    )
    assert "Le membre a été déplacé dans l’ébauche" in coordinator.follow(moved).text
    adjusted = httpx.get(
        f"{console.url('matching')}/v1/boards/{code}/program-years/{year}/matching-runs/{run_id}/draft",
        headers=auth(token("province_admin")),
    ).json()
    assert member in {
        p["participant_id"] for h in adjusted["hubs"] if h["id"] == target for p in h["members"]
    }
    assert member in {m["participant_id"] for m in adjusted["difference"]["moves"]}
    assert hubs_of(console, token, code, year) == before  # still nothing published

    forged = coordinator.post(f"/boards/{code}/matching-runs/{run_id}/discard?year={year}", {})
    assert forged.status_code == 403
    assert run_status(console, token, code, year, run_id) == "draft"

    discarded = coordinator.post(
        f"/boards/{code}/matching-runs/{run_id}/discard?year={year}", {"csrf_token": coordinator.csrf(review)}
    )
    assert discarded.status_code == 303
    assert discarded.headers["location"] == f"/boards/{code}/hubs?year={year}&done=discarded"
    assert "L’ébauche a été abandonnée" in coordinator.follow(discarded).text
    assert run_status(console, token, code, year, run_id) == "discarded"
    assert hubs_of(console, token, code, year) == before
    again = coordinator.get(f"/boards/{code}/matching-runs/{run_id}?year={year}")
    assert again.status_code == 200 and "Abandonné" in again.text  # kept for the record, not for publishing
    assert ">Publier</button>" not in again.text
    assert coordinator.get(f"/boards/{code}/matching-runs/not-a-run?year={year}").status_code == 404


def test_the_board_home_says_matching_is_up_to_date(coordinator, console, boards, token):  # type: ignore[no-untyped-def]
    code, year = boards["a"]["board"]["code"], boards["year"]
    wait_until_caught_up(console.url("matching"), token("province_admin"), code, year)
    home = coordinator.get(f"/boards/{code}?year={year}")
    assert home.status_code == 200
    assert "Matching is up to date with registration" in home.text


def test_province_staff_see_every_board(console, boards):  # type: ignore[no-untyped-def]
    client = ConsoleClient(console.url("console"))
    try:
        landing = client.sign_in_dev("province")
        assert landing.status_code == 200
        assert boards["a"]["board"]["name"] in landing.text and boards["b"]["board"]["name"] in landing.text
        assert client.get(f"/boards/{boards['b']['board']['code']}").status_code == 200
    finally:
        client.close()


def test_sign_out_ends_the_session(console, boards):  # type: ignore[no-untyped-def]
    client = ConsoleClient(console.url("console"))
    try:
        home = client.sign_in_dev("coordinator", boards["a"]["board"]["code"])
        session = client.cookies["mw_session"]
        out = client.post("/sign-out", {"csrf_token": client.csrf(home)})
        assert out.status_code == 303 and out.headers["location"] == "/signed-out"
        # The old cookie is dead on the server, not only forgotten by this client.
        stale = httpx.get(
            f"{console.url('console')}/boards/{boards['a']['board']['code']}",
            headers={"Cookie": f"mw_session={session}"},
        )
        assert stale.status_code == 303 and stale.headers["location"].startswith("/sign-in")
    finally:
        client.close()


@pytest.mark.parametrize(
    ("language", "unplaced", "calm"),
    [
        ("en", "63 registered people are in no hub or pairing yet", "Nothing needs your attention"),
        (
            "fr",
            "63 personnes inscrites ne sont encore dans aucun carrefour ni jumelage",
            "Rien n’est à traiter",
        ),
    ],
)
def test_a_board_with_everyone_registered_and_nobody_placed_needs_attention(  # type: ignore[no-untyped-def]
    console, boards, language, unplaced, calm
):
    """Board B registered the sample board's 63 people and never ran matching: its home says so."""
    code = boards["b"]["board"]["code"]
    client = ConsoleClient(console.url("console"), accept_language="fr-CA" if language == "fr" else "en-CA")
    try:
        home = client.sign_in_dev("coordinator", code)
        assert home.status_code == 200
        text = " ".join(home.text.split())
        assert unplaced in text
        assert f'href="/boards/{code}/hubs#runs"' in home.text
        assert calm not in text
    finally:
        client.close()
