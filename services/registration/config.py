from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "registration"
    http_port: int = 8001
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorweb_registration"

    # Bulk imports: the largest upload accepted, rows per transaction, and how often idle workers look
    # for queued imports (a NOTIFY wakes them sooner).
    import_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    import_chunk_size: int = Field(default=1000, ge=1, le=10_000)
    import_poll_interval: float = Field(default=2.0, gt=0)
    import_max_attempts: int = Field(default=3, ge=1)
