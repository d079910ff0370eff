"""The real OpenID provider the console's tests sign in through (provider.mjs, npm `oidc-provider`)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
RESOURCE = "urn:mentorweb:api"


def install() -> None:
    """`npm ci` of the pinned provider when it is not installed yet (the project's own set-up step)."""
    if (HERE / "node_modules" / "oidc-provider").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed for the test OpenID provider (Node.js 20 or later)")
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HERE, check=True)


@dataclass
class OidcProvider:
    port: int
    redirect_uri: str
    post_logout_redirect_uri: str
    accounts: dict[str, dict[str, object]]
    log_path: Path
    access_token_ttl: int = 300
    client_id: str = "mentorweb-console"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    seeder_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    process: subprocess.Popen[bytes] | None = None

    @property
    def accounts_file(self) -> Path:
        return self.log_path.parent / "oidc-accounts.json"

    def add_accounts(self, accounts: dict[str, dict[str, object]]) -> None:
        """More accounts (participants, once registration gave them ids); the provider reads them at once."""
        self.accounts.update(accounts)
        self.accounts_file.write_text(json.dumps(self.accounts))

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OidcProvider:
        install()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.accounts_file.write_text(json.dumps(self.accounts))
        env = {
            **os.environ,
            "PORT": str(self.port),
            "CLIENT_ID": self.client_id,
            "CLIENT_SECRET": self.client_secret,
            "SEEDER_SECRET": self.seeder_secret,
            "REDIRECT_URI": self.redirect_uri,
            "POST_LOGOUT_REDIRECT_URI": self.post_logout_redirect_uri,
            "ACCOUNTS": json.dumps(self.accounts),
            "ACCOUNTS_FILE": str(self.accounts_file),
            "RESOURCE": RESOURCE,
            "AUDIENCE": "mentorweb",
            "ACCESS_TOKEN_TTL": str(self.access_token_ttl),
        }
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            ["node", str(HERE / "provider.mjs")], cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OpenID provider exited: see {self.log_path}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"the OpenID provider did not start: see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def seeder_token(self) -> str:
        """A province-staff access token (client credentials) for loading test data through the APIs."""
        response = httpx.post(
            f"{self.issuer}/token",
            auth=("seeder", self.seeder_secret),
            data={"grant_type": "client_credentials", "scope": "mentorweb", "resource": RESOURCE},
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def services_env(self) -> dict[str, str]:
        """How the four services verify this provider's tokens."""
        return {
            "JWT_JWKS_URL": f"{self.issuer}/jwks",
            "JWT_ISSUER": self.issuer,
            "JWT_ALGORITHMS": "RS256",
            "JWT_AUDIENCE": "mentorweb",
        }

    def console_env(self) -> dict[str, str]:
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_RESOURCE": RESOURCE,
            "OIDC_SCOPES": "openid profile offline_access mentorweb",
            "OIDC_ALLOW_INSECURE_HTTP": "true",
        }
