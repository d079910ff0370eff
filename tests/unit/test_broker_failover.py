"""Several broker and database addresses: how a service reads them and moves between them."""

from __future__ import annotations

import aio_pika
import pytest
from yarl import URL

from shared.bus.connection import FailoverConnection, broker_urls, failover_class
from shared.settings import ServiceSettings
from shared.wakeup import asyncpg_dsn

pytestmark = pytest.mark.unit


def test_one_broker_url_is_still_a_list_of_one():
    assert broker_urls("amqp://guest:guest@127.0.0.1:5672/") == ["amqp://guest:guest@127.0.0.1:5672/"]


def test_a_cluster_is_its_nodes_separated_by_commas():
    assert broker_urls("amqp://u:p@a:5672/, amqp://u:p@b:5672/,amqp://u:p@c:5672/") == [
        "amqp://u:p@a:5672/",
        "amqp://u:p@b:5672/",
        "amqp://u:p@c:5672/",
    ]
    with pytest.raises(ValueError):
        broker_urls(" , ")


def test_the_failover_class_knows_every_node():
    cls = failover_class("amqp://u:p@a:1/,amqp://u:p@b:2/")
    assert issubclass(cls, FailoverConnection)
    assert cls.URLS == (URL("amqp://u:p@a:1/"), URL("amqp://u:p@b:2/"))


def test_aio_pika_still_has_the_reconnect_step_failover_overrides():
    # FailoverConnection overrides this name-mangled method; an aio-pika that renames it would
    # silently turn failover off.
    assert hasattr(aio_pika.RobustConnection, "_RobustConnection__connect_transport")


def test_production_refuses_guest_on_any_node_of_a_cluster():
    settings = ServiceSettings(rabbitmq_url="amqp://svc:a-strong-broker-password@a/,amqp://guest:guest@b/")
    assert any(p.startswith("RABBITMQ_URL") for p in settings.placeholder_problems())


def test_a_replicated_database_url_becomes_libpq_multihost_for_asyncpg():
    url = (
        "postgresql+asyncpg://app:pw@/db1?host=10.0.0.1%3A5432&host=10.0.0.2%3A5433"
        "&target_session_attrs=read-write"
    )
    assert (
        asyncpg_dsn(url)
        == "postgresql://app:pw@10.0.0.1:5432,10.0.0.2:5433/db1?target_session_attrs=read-write"
    )
    # One server: unchanged, as before.
    assert (
        asyncpg_dsn("postgresql+asyncpg://postgres@127.0.0.1:5432/db")
        == "postgresql://postgres@127.0.0.1:5432/db"
    )
