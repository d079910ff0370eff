from pydantic import Field, field_validator

from services.evaluation.domain.privacy import DEFAULT_MIN_GROUP, check_min_group
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "evaluation"
    http_port: int = 8005
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorweb_evaluation"
    # Survey groups smaller than this are never reported (configurable, never below 3).
    min_group_size: int = Field(default=DEFAULT_MIN_GROUP)
    # Rounds the schedule opens by itself: anonymous (no link from answer to person) or confidential.
    round_mode: str = Field(default="anonymous", pattern="^(anonymous|confidential)$")
    # How often the schedule looks for rounds to open and closed anonymous surveys to forget.
    schedule_interval_seconds: float = Field(default=300.0, gt=0)

    @field_validator("min_group_size")
    @classmethod
    def _floor(cls, value: int) -> int:
        return check_min_group(value)
