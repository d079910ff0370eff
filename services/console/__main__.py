import asyncio

import uvicorn

from services.console.bootstrap import create_app
from services.console.config import Settings
from shared.telemetry import configure_logging

if __name__ == "__main__":
    settings = Settings()
    configure_logging(settings.service_name)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    asyncio.run(uvicorn.Server(config).serve())
