from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "notifications"
    http_port: int = 8003
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/mentorweb_notifications"
    public_base_url: str = "http://127.0.0.1:8003"
    # With the 5-minute backoff cap, 12 attempts ride out about half an hour of SMTP outage.
    mail_max_attempts: int = 12
    mail_retry_base_seconds: float = 2.0
    mail_batch_size: int = 200
    # Messages sent at once; also the most a crash between SMTP accept and record can resend.
    mail_concurrency: int = 8
    mail_poll_interval: float = 0.5
    mail_send_timeout: float = 10.0
    mail_probe_interval: float = 5.0
