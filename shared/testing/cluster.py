"""Replicated infrastructure on one machine for the cluster fault tests (tests/cluster/).

:class:`RabbitCluster` starts three ``rabbitmq-server`` nodes from Debian's package (no Docker), each
with its own node name, AMQP and distribution ports, data and log directories under a temporary
directory and a shared Erlang cookie, and joins them into one cluster. :class:`PostgresPair` makes a
PostgreSQL primary with ``initdb`` and a streaming standby with ``pg_basebackup`` on free ports,
promotable when the primary goes away. Both tear down everything they started, also on failure.

The machine's own broker (5672) and database (5432) are never touched: every command names our
nodes (``rabbitmqctl -n``) or our data directories (``pg_ctl -D``).

``python -m shared.testing.cluster up`` starts both and prints their addresses until Ctrl-C
(scripts/cluster.sh).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.testing.smtp_sink import free_port

RABBITMQ_BIN = Path(os.environ.get("RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))
POSTGRES_BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


class ClusterError(RuntimeError):
    pass


def _wait(predicate, timeout: float, what: str, interval: float = 0.5) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise ClusterError(f"{what}: not after {timeout:.0f}s")


@dataclass
class RabbitNode:
    name: str  # e.g. rabbit-mw1@localhost
    amqp_port: int
    dist_port: int
    base: Path  # this node's data and logs
    home: Path  # holds the cluster's shared Erlang cookie
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        env.update(
            {
                "HOME": str(self.home),
                "RABBITMQ_NODENAME": self.name,
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(self.amqp_port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
                "RABBITMQ_LOG_BASE": str(self.base / "log"),
                "RABBITMQ_PID_FILE": str(self.base / "pid"),
                # Ours, empty: the system's enabled_plugins (management on 15672) and env file
                # (NODENAME=rabbit@localhost) must not leak into these nodes.
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.home / "enabled_plugins"),
                "RABBITMQ_CONFIG_FILE": str(self.home / "rabbitmq.conf"),
                "RABBITMQ_CONF_ENV_FILE": str(self.home / "rabbitmq-env.conf"),
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
                "ERL_EPMD_ADDRESS": "127.0.0.1",
            }
        )
        return env

    def ctl(self, *args: str, timeout: float = 60, check: bool = True) -> str:
        result = subprocess.run(
            [str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.name, *args],
            env=self.env(),
            capture_output=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise ClusterError(
                f"rabbitmqctl -n {self.name} {' '.join(args)}: {result.stderr.decode()[-800:]}"
            )
        return result.stdout.decode()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        (self.base / "log").mkdir(parents=True, exist_ok=True)
        log = (self.base / "server.out").open("ab")
        self.process = subprocess.Popen(
            [str(RABBITMQ_BIN / "rabbitmq-server")],
            env=self.env(),
            cwd=self.base,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as one on teardown
        )

    def wait_ready(self, timeout: float = 120) -> None:
        def booted() -> bool:
            if not self.running:
                raise ClusterError(f"{self.name} exited: see {self.base / 'server.out'}")
            try:
                return (
                    subprocess.run(
                        [str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.name, "await_startup", "-t", "5"],
                        env=self.env(),
                        capture_output=True,
                        timeout=30,
                    ).returncode
                    == 0
                )
            except subprocess.TimeoutExpired:
                return False

        _wait(booted, timeout, f"{self.name} booted")

    def stop(self, timeout: float = 60) -> None:
        """Shut the node down cleanly (as an orchestrator's rolling restart does)."""
        if not self.running:
            return
        with contextlib.suppress(ClusterError, subprocess.TimeoutExpired):
            self.ctl("stop", timeout=timeout)
        self._reap(timeout)

    def kill(self) -> None:
        """The node's machine goes away: SIGKILL, no goodbye to its peers."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self._reap(10)

    def _reap(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # beam and its helpers (erl_child_setup, inet_gethost) share the group; none may outlive it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class RabbitCluster:
    """Three (``size``) RabbitMQ nodes joined into one cluster, under ``root``."""

    size: int = 3
    root: Path | None = None
    name_prefix: str = "rabbit-mw"
    nodes: list[RabbitNode] = field(default_factory=list)
    _own_root: bool = False

    @property
    def url(self) -> str:
        """Every node's address, comma-separated: what RABBITMQ_URL takes for failover."""
        return ",".join(node.url for node in self.nodes)

    def node(self, name: str) -> RabbitNode:
        return next(n for n in self.nodes if n.name == name or n.name.split("@")[0] == name)

    def start(self) -> RabbitCluster:
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="mw-rabbit-"))
            self._own_root = True
        home = self.root / "home"
        home.mkdir(parents=True, exist_ok=True)
        cookie = home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(20).upper())
        cookie.chmod(0o400)
        (home / "enabled_plugins").write_text("[].\n")
        (home / "rabbitmq.conf").write_text("loopback_users = none\n")
        (home / "rabbitmq-env.conf").write_text("")
        for i in range(1, self.size + 1):
            self.nodes.append(
                RabbitNode(
                    name=f"{self.name_prefix}{i}@localhost",
                    amqp_port=free_port(),
                    dist_port=free_port(),
                    base=self.root / f"node{i}",
                    home=home,
                )
            )
        try:
            taken = self._epmd_names()
            clash = [n.name for n in self.nodes if n.name.split("@")[0] in taken]
            if clash:
                raise ClusterError(f"node names already registered with epmd (a run not torn down?): {clash}")
            for node in self.nodes:
                node.start()
            for node in self.nodes:
                node.wait_ready()
            first = self.nodes[0]
            for node in self.nodes[1:]:
                node.ctl("stop_app")
                node.ctl("reset")
                node.ctl("join_cluster", first.name)
                node.ctl("start_app")
                node.wait_ready()
            self.wait_members(self.size)
        except BaseException:
            self.teardown()
            raise
        return self

    def _epmd_names(self) -> set[str]:
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            out = subprocess.run([epmd, "-names"], capture_output=True, timeout=10).stdout.decode()
            return {line.split()[1] for line in out.splitlines() if line.startswith("name ")}
        return set()

    def running_members(self, via: RabbitNode | None = None) -> list[str]:
        node = via or next(n for n in self.nodes if n.running)
        out = node.ctl("eval", "rabbit_nodes:all_running().", timeout=30)
        return sorted(part.strip(" []'\n") for part in out.strip().strip("[]").split(",") if part.strip())

    def wait_members(self, count: int, timeout: float = 120) -> None:
        def enough() -> bool:
            try:
                return len(self.running_members()) >= count
            except (ClusterError, subprocess.TimeoutExpired, StopIteration):
                return False

        _wait(enough, timeout, f"{count} running cluster members")

    def _queues(self) -> list[dict[str, object]]:
        node = next(n for n in self.nodes if n.running)
        out = node.ctl("list_queues", "name", "leader", "members", "--formatter", "json", "--quiet")
        return list(json.loads(out))

    def queue_counts(self) -> dict[str, dict[str, int]]:
        """Every queue's messages (ready and unacknowledged) and consumers, by name."""
        node = next(n for n in self.nodes if n.running)
        out = node.ctl(
            "list_queues",
            "name",
            "messages",
            "messages_unacknowledged",
            "consumers",
            "--formatter",
            "json",
            "--quiet",
        )
        return {
            row["name"]: {k: int(row[k] or 0) for k in ("messages", "messages_unacknowledged", "consumers")}
            for row in json.loads(out)
        }

    def queue_leader(self, queue: str) -> str:
        """The node leading quorum queue ``queue`` (a name like rabbit-mw2@localhost)."""
        for row in self._queues():
            if row["name"] == queue:
                return str(row["leader"])
        raise ClusterError(f"queue {queue} not found")

    def queue_members(self, queue: str) -> list[str]:
        for row in self._queues():
            if row["name"] == queue:
                return sorted(row["members"])  # type: ignore[call-overload]
        raise ClusterError(f"queue {queue} not found")

    def restart_node(self, node: RabbitNode, timeout: float = 120) -> None:
        node.start()
        node.wait_ready(timeout)

    def teardown(self) -> None:
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.kill() if node.running else node._reap(1)
        if self._own_root and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> RabbitCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.teardown()


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess[bytes]:  # type: ignore[no-untyped-def]
    """Run a PostgreSQL tool as the ``postgres`` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, **kwargs)


@dataclass
class PostgresServer:
    data: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        """The owner's SQLAlchemy URL (no database), as Infrastructure.postgres_url takes it."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}"

    def pg_ctl(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        result = _as_postgres(
            [str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args], timeout=timeout
        )
        if check and result.returncode != 0:
            raise ClusterError(f"pg_ctl {' '.join(args)}: {result.stderr.decode()[-800:]} (see {self.log})")
        return result.stdout.decode()

    def start(self) -> None:
        self.pg_ctl("start", "-w", "-t", "60")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("stop", "-m", mode, "-w", "-t", "60", check=False)

    @property
    def running(self) -> bool:
        return (
            _as_postgres(
                [str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "status"], timeout=30
            ).returncode
            == 0
        )


@dataclass
class PostgresPair:
    """A primary and a synchronous streaming standby, promotable when the primary goes away.

    Synchronous (``synchronous_standby_names = '*'``): a commit returns only once the standby has
    the WAL, as a replicated production database is configured when a failover must not lose a
    confirmed write. The standby's own copy of the setting is cleared, so once promoted it commits
    alone instead of waiting for a standby it does not have.
    """

    root: Path | None = None
    primary: PostgresServer | None = None
    replica: PostgresServer | None = None
    _own_root: bool = False

    def start(self) -> PostgresPair:
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="mw-pg-"))
            self._own_root = True
        postgres = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if postgres is not None:
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
        self.root.chmod(0o755)
        self.primary = PostgresServer(self.root / "primary", free_port(), self.root / "primary.log")
        self.replica = PostgresServer(self.root / "replica", free_port(), self.root / "replica.log")
        try:
            result = _as_postgres(
                [
                    str(POSTGRES_BIN / "initdb"),
                    "-D",
                    str(self.primary.data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale",
                    "C.UTF-8",
                ],
                timeout=120,
            )
            if result.returncode != 0:
                raise ClusterError(f"initdb: {result.stderr.decode()[-800:]}")
            self._append_conf(
                self.primary,
                f"port = {self.primary.port}",
                "listen_addresses = '127.0.0.1'",
                f"unix_socket_directories = '{self.root}'",
                "wal_level = replica",
                "max_wal_senders = 5",
                "hot_standby = on",
                "max_connections = 200",
                "synchronous_standby_names = '*'",
                "shared_buffers = 64MB",
            )
            self.primary.start()
            result = _as_postgres(
                [
                    str(POSTGRES_BIN / "pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.primary.port),
                    "-U",
                    "postgres",
                    "-D",
                    str(self.replica.data),
                    "-R",
                    "-X",
                    "stream",
                    "--no-sync",
                ],
                timeout=180,
            )
            if result.returncode != 0:
                raise ClusterError(f"pg_basebackup: {result.stderr.decode()[-800:]}")
            self._append_conf(self.replica, f"port = {self.replica.port}", "synchronous_standby_names = ''")
            self.replica.start()
            _wait(self._streaming_in_sync, 60, "standby streaming synchronously")
        except BaseException:
            self.teardown()
            raise
        return self

    @staticmethod
    def _append_conf(server: PostgresServer, *lines: str) -> None:
        conf = server.data / "postgresql.conf"
        with conf.open("a") as f:
            f.write("\n# mentorweb cluster tests\n" + "\n".join(lines) + "\n")

    def _psql(self, server: PostgresServer, sql: str) -> str:
        result = _as_postgres(
            [
                str(POSTGRES_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(server.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-qAtc",
                sql,
            ],
            timeout=30,
        )
        if result.returncode != 0:
            raise ClusterError(f"psql: {result.stderr.decode()[-400:]}")
        return result.stdout.decode().strip()

    def _streaming_in_sync(self) -> bool:
        assert self.primary is not None
        with contextlib.suppress(ClusterError, subprocess.TimeoutExpired):
            return self._psql(self.primary, "SELECT sync_state FROM pg_stat_replication") == "sync"
        return False

    def is_primary(self, server: PostgresServer) -> bool:
        return self._psql(server, "SELECT NOT pg_is_in_recovery()") == "t"

    @property
    def hosts(self) -> list[tuple[str, int]]:
        assert self.primary is not None and self.replica is not None
        return [("127.0.0.1", self.primary.port), ("127.0.0.1", self.replica.port)]

    def multihost_url(self, single_host_url: str) -> str:
        """``single_host_url`` (a SQLAlchemy URL on one of our servers) rewritten to name both
        servers and accept only the writable one: SQLAlchemy's asyncpg multihost form
        (``?host=a:1&host=b:2``) with ``target_session_attrs=read-write``."""
        from sqlalchemy.engine import URL, make_url

        url = make_url(single_host_url)
        query: dict[str, str | tuple[str, ...]] = dict(url.query)
        query["host"] = tuple(f"{h}:{p}" for h, p in self.hosts)
        query["target_session_attrs"] = "read-write"
        return URL.create(
            url.drivername, url.username, url.password, database=url.database, query=query
        ).render_as_string(hide_password=False)

    def promote_replica(self) -> None:
        assert self.replica is not None
        self.replica.pg_ctl("promote", "-w", "-t", "60")
        _wait(lambda: self.is_primary(self.replica), 60, "standby promoted")  # type: ignore[arg-type]

    def teardown(self) -> None:
        for server in (self.replica, self.primary):
            if server is not None and server.data.exists():
                with contextlib.suppress(Exception):
                    server.stop("immediate")
        if self._own_root and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresPair:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.teardown()


def main(argv: list[str]) -> int:
    """``up``: start a cluster and a database pair, print their addresses, tear down on Ctrl-C/TERM."""
    if argv[:1] != ["up"]:
        print("usage: python -m shared.testing.cluster up", file=sys.stderr)
        return 2
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    started = time.monotonic()
    with RabbitCluster() as cluster, PostgresPair() as pair:
        assert pair.primary is not None
        print(f"RABBITMQ_URL={cluster.url}")
        print(f"DATABASE_URL={pair.multihost_url(pair.primary.url + '/postgres')}")
        print(f"nodes: {', '.join(n.name for n in cluster.nodes)}; data under {cluster.root} and {pair.root}")
        print(f"up in {time.monotonic() - started:.1f}s; Ctrl-C tears everything down", flush=True)
        while not stop:
            time.sleep(0.5)
    print("torn down")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
