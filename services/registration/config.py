from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "registration"
    http_port: int = 8001
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorweb_registration"
