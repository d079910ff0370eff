from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "grants"
    http_port: int = 8004
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorweb_grants"
    province_timezone: str = "America/Edmonton"
