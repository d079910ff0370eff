from pydantic import field_validator

from services.grants.domain.errors import InvalidField
from services.grants.domain.program import province_zone
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "grants"
    http_port: int = 8004
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorweb_grants"
    # Default deadlines (June 30, 23:59:59) are in this zone; a program keeps the zone it was created with.
    province_timezone: str = "America/Edmonton"

    @field_validator("province_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        # Refuse a typo at start-up rather than at the first program created.
        try:
            province_zone(value)
        except InvalidField as exc:
            raise ValueError(exc.message) from None
        return value
