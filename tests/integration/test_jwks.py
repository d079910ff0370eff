"""Tokens from an identity provider: keys fetched asynchronously from a real JWKS server on 127.0.0.1,
cached, refreshed once when a token names a key the cache does not hold (the provider rotated)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import TokenVerifier
from shared.problems import Problem
from shared.settings import ServiceSettings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
ISSUER = "https://idp.test/realms/mentorweb"


class JwksServer:
    """Serves the keys in ``self.keys`` (kid -> private key) as a JWKS; counts and can slow requests."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.requests = 0
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.requests += 1
                time.sleep(server.delay)
                document = {
                    "keys": [
                        {
                            **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(k.public_key())),
                            "kid": kid,
                            "use": "sig",
                            "alg": "RS256",
                        }
                        for kid, k in list(server.keys.items())
                    ]
                }
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}/protocol/openid-connect/certs"

    def add_key(self, kid: str) -> rsa.RSAPrivateKey:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self.keys[kid]


@pytest.fixture
def idp() -> Iterator[JwksServer]:
    server = JwksServer()
    server.thread.start()
    yield server
    server.http.shutdown()


def token(key: rsa.RSAPrivateKey, kid: str | None, **claims: object) -> str:
    now = int(time.time())
    body = {
        "sub": "coord-1",
        "roles": ["board_coordinator"],
        "board": "ELM",
        "aud": "mentorweb",
        "iss": ISSUER,
        "iat": now,
        "exp": now + 300,
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid} if kid else None)


def verifier(idp: JwksServer, **overrides: Any) -> TokenVerifier:
    settings = ServiceSettings(
        _env_file=None,
        jwt_jwks_url=idp.url,
        jwt_algorithms="RS256",
        jwt_issuer=ISSUER,
        jwt_audience="mentorweb",
        **overrides,
    )
    return TokenVerifier(settings)


async def test_keys_are_fetched_once_and_cached(idp: JwksServer):
    first = idp.add_key("k1")
    v = verifier(idp)
    for _ in range(5):
        principal = await v.authenticate(token(first, "k1"))
        assert principal.board == "ELM" and principal.roles == {"board_coordinator"}
    assert idp.requests == 1


async def test_a_rotated_key_triggers_exactly_one_refresh(idp: JwksServer):
    first = idp.add_key("k1")
    v = verifier(idp, jwt_jwks_min_refresh_seconds=0.2)
    await v.authenticate(token(first, "k1"))
    assert idp.requests == 1
    await asyncio.sleep(0.3)  # past the cooldown that protects the provider from forged kids
    second = idp.add_key("k2")  # the provider rotates
    # Twenty requests with the new key at once: they share a single refresh.
    principals = await asyncio.gather(*(v.authenticate(token(second, "k2")) for _ in range(20)))
    assert all(p.subject == "coord-1" for p in principals)
    assert idp.requests == 2
    await v.authenticate(token(first, "k1"))  # the old key, still published, needs no fetch
    assert idp.requests == 2


async def test_unknown_keys_are_refused_without_hammering_the_provider(idp: JwksServer):
    first = idp.add_key("k1")
    v = verifier(idp)
    await v.authenticate(token(first, "k1"))
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for kid in ("forged-1", "forged-2", "forged-3"):
        with pytest.raises(Problem) as refused:
            await v.authenticate(token(stranger, kid))
        assert refused.value.status == 401
    # One fetch at start; unknown kids within the cooldown fetch nothing more.
    assert idp.requests == 1
    # A key that signs with the known kid but is not the provider's key: the signature fails.
    with pytest.raises(Problem) as forged:
        await v.authenticate(token(stranger, "k1"))
    assert forged.value.status == 401
    # An HS256 token signed with the development secret is refused when tokens come from the IdP.
    hs = jwt.encode(
        {
            "sub": "x",
            "aud": "mentorweb",
            "iss": ISSUER,
            "exp": int(time.time()) + 60,
            "roles": ["province_admin"],
        },
        ServiceSettings().jwt_secret,
        algorithm="HS256",
    )
    with pytest.raises(Problem) as refused_hs:
        await v.authenticate(hs)
    assert refused_hs.value.status == 401


async def test_stale_keys_are_refetched(idp: JwksServer):
    first = idp.add_key("k1")
    v = verifier(idp, jwt_jwks_cache_seconds=0.2)
    await v.authenticate(token(first, "k1"))
    await asyncio.sleep(0.3)
    await v.authenticate(token(first, "k1"))
    assert idp.requests == 2


async def test_fetching_keys_never_blocks_the_event_loop(idp: JwksServer):
    first = idp.add_key("k1")
    idp.delay = 0.6  # a slow identity provider
    v = verifier(idp)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await v.authenticate(token(first, "k1"))
    finally:
        task.cancel()
    # A synchronous fetch would have frozen the loop for 0.6 s: no tick at all.
    assert ticks >= 10, ticks


async def test_an_unreachable_provider_answers_503_until_keys_are_known(idp: JwksServer):
    first = idp.add_key("k1")
    v = verifier(idp)
    idp.http.shutdown()
    idp.http.server_close()
    with pytest.raises(Problem) as unavailable:
        await v.authenticate(token(first, "k1"))
    assert unavailable.value.status == 503 and unavailable.value.headers == {"Retry-After": "5"}
