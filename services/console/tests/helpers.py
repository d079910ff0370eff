"""Driving the console in tests: a board of the sample's people loaded through the API, and an HTTP
client that keeps the console's session cookie (it is Secure, so it is carried by hand over http)."""

from __future__ import annotations

import re
import time
from http.cookies import SimpleCookie
from typing import Any

import httpx

from shared.auth import mint_token
from shared.testing.fixtures import test_settings
from shared.testing.helpers import auth, unique_board
from tools import sample_board

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def admin_token() -> str:
    return mint_token(test_settings(), subject="console-test-admin", roles=["province_admin"])


def load_board(
    registration_url: str, admin_token: str, *, code: str | None = None, name: str | None = None
) -> dict[str, Any]:
    """A board with the sample board's people (40 teachers, 6 new school leaders, 17 mentors), under a
    unique code so tests sharing a system never meet each other's data."""
    code = code or unique_board()
    board = {**sample_board.BOARD, "code": code, "name": name or f"{sample_board.BOARD['name']} {code}"}
    people = []
    with httpx.Client(base_url=registration_url, headers=auth(admin_token), timeout=30) as client:
        response = client.post("/v1/boards", json=board)
        assert response.status_code == 201, response.text
        for person in sample_board.participants():
            person = {
                **person,
                "board": code,
                "hr_id": person["hr_id"].replace("ELM", code),
                "evaluates_hr_ids": [h.replace("ELM", code) for h in person.get("evaluates_hr_ids", [])],
            }
            created = client.post("/v1/participants", json=person)
            assert created.status_code == 201, created.text
            people.append(created.json())
    return {"board": board, "people": people}


def wait_until_matching_knows(
    matching_url: str, token: str, participant_ids: list[str], timeout: float = 60
) -> None:
    """Matching learns participants from registration's events; wait for that positive signal."""
    deadline = time.monotonic() + timeout
    pending = list(participant_ids)
    with httpx.Client(base_url=matching_url, headers=auth(token), timeout=10) as client:
        while pending:
            if client.get(f"/v1/participants/{pending[-1]}/placement").status_code == 200:
                pending.pop()
                continue
            assert time.monotonic() < deadline, f"matching never heard of {len(pending)} participants"
            time.sleep(0.2)


def start_run_when_caught_up(client: httpx.Client, runs_path: str, timeout: float = 60) -> httpx.Response:
    """Start a run; while matching answers 409 "not caught up", wait its Retry-After and ask again."""
    deadline = time.monotonic() + timeout
    while True:
        run = client.post(runs_path)
        if run.status_code != 409 or "retry-after" not in run.headers:
            return run
        assert time.monotonic() < deadline, f"matching never caught up: {run.text}"
        time.sleep(float(run.headers["retry-after"]))


def wait_until_caught_up(matching_url: str, token: str, board: str, year: str, timeout: float = 60) -> None:
    """Matching's readiness for the board says it holds everything registration holds."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=matching_url, headers=auth(token), timeout=10) as client:
        while True:
            found = client.get(f"/v1/boards/{board}/readiness", params={"program_year": year})
            assert found.status_code == 200, found.text
            if found.json()["up_to_date"]:
                return
            assert time.monotonic() < deadline, f"matching never caught up: {found.text}"
            time.sleep(0.2)


class ConsoleClient:
    """A browser-like HTTP client of the console: follows no redirect by itself, keeps the session."""

    def __init__(self, base_url: str, *, accept_language: str = "en-CA"):
        self.http = httpx.Client(base_url=base_url, timeout=30, headers={"Accept-Language": accept_language})
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        self.http.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, url, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or morsel.value in ("", '""'):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._send("GET", url, **kwargs)

    def post(self, url: str, data: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return self._send("POST", url, data=data or {}, **kwargs)

    def follow(self, response: httpx.Response, limit: int = 5) -> httpx.Response:
        while response.is_redirect and limit:
            response = self.get(response.headers["location"])
            limit -= 1
        return response

    def csrf(self, page: httpx.Response) -> str:
        found = CSRF.search(page.text)
        assert found, "the page has no form with a CSRF token"
        return found.group(1)

    def sign_in_dev(self, person: str, board: str | None = None) -> httpx.Response:
        page = self.get("/dev/sign-in")
        assert page.status_code == 200, page.text
        form = {"csrf_token": self.csrf(page), "person": person, "next": "/"}
        if board:
            form["board"] = board
        return self.follow(self.post("/dev/sign-in", form))
