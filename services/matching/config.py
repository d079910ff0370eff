from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "matching"
    http_port: int = 8002
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorweb_matching"
