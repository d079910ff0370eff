from datetime import tzinfo
from typing import ClassVar

from pydantic import Field

from services.notifications.domain.timing import board_zone
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    sends_mail: ClassVar[bool] = True
    signs_links: ClassVar[bool] = True

    service_name: str = "notifications"
    http_port: int = 8003
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorweb_notifications"
    public_base_url: str = "http://127.0.0.1:8003"
    # Where participants answer surveys (the portal); invitations link to its list of their surveys.
    portal_base_url: str = "http://127.0.0.1:8000"
    # With the 5-minute backoff cap, 12 attempts ride out about half an hour of SMTP outage.
    mail_max_attempts: int = 12
    mail_retry_base_seconds: float = 2.0
    mail_batch_size: int = 200
    # Messages sent at once; also the most a crash between SMTP accept and record can resend.
    mail_concurrency: int = 8
    mail_poll_interval: float = 0.5
    mail_send_timeout: float = 10.0
    mail_probe_interval: float = 5.0

    # Reminders: meetings and sessions this many days ahead; the start-up grant deadline (June 30 in the
    # board's time zone) this many days ahead, to boards that have not submitted for the program year.
    reminder_lead_days: float = Field(default=3.0, ge=0)
    grant_reminder_lead_days: float = Field(default=14.0, ge=0)
    board_timezone: str = "America/Toronto"
    board_timezones: dict[str, str] = Field(default_factory=dict)  # {"ELM": "America/Winnipeg"}
    # Hub meeting dates announced with a hub carry no end: this long, for the calendar entries.
    hub_meeting_minutes: int = Field(default=120, ge=15, le=24 * 60)
    # The weekly digest goes out at this weekday (0 = Monday) and hour, board time.
    digest_weekday: int = Field(default=0, ge=0, le=6)
    digest_hour: int = Field(default=7, ge=0, le=23)
    scheduler_poll_interval: float = Field(default=30.0, gt=0)
    scheduler_batch_size: int = Field(default=100, ge=1)
    # Comma-separated addresses of the start-up grant reviewers.
    grant_reviewers: str = ""

    @property
    def grant_reviewer_emails(self) -> list[str]:
        seen: list[str] = []
        for address in self.grant_reviewers.split(","):
            address = address.strip()
            if address and address.lower() not in (s.lower() for s in seen):
                seen.append(address)
        return seen

    def timezone_of(self, board: str) -> str:
        return self.board_timezones.get(board, self.board_timezone)

    def zone_of(self, board: str) -> tzinfo:
        """The board's time zone, in which its people read dates (the default zone if unknown)."""
        return board_zone(self.timezone_of(board), self.board_timezone)
