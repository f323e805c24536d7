"""Throw-away PostgreSQL servers on loopback ports for the standby test and the soak: `initdb`, `pg_ctl`,
`pg_basebackup` from the newest /usr/lib/postgresql/*/bin (or PATH), run as the `postgres` OS user when we are root
(the server refuses to run as root). Everything lives in one temporary directory, removed by `close()`."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg


def pg_bin() -> Path | None:
    found = sorted(
        (p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as_server_user(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120, **kwargs)


@dataclass
class Server:
    bin: Path
    data: Path
    port: int
    sockets: Path
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data.with_suffix(".log")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database} connect_timeout=5"

    def configure(self, **settings: object) -> None:
        lines = [f"{k} = '{v}'" if isinstance(v, str) else f"{k} = {v}" for k, v in settings.items()]
        with (self.data / "postgresql.auto.conf").open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    def start(self) -> None:
        _run_as_server_user(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start"]
        )

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            _run_as_server_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def restart(self) -> None:
        _run_as_server_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "restart"])

    def promote(self) -> None:
        _run_as_server_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "promote"])

    def sql(self, statement: str, database: str = "postgres") -> list[tuple[object, ...]]:
        with psycopg.connect(self.conninfo(database), autocommit=True) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    def pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])


class Servers:
    """A directory of servers: `primary()` makes one, `standby_of(primary)` a streaming replica of it."""

    def __init__(self) -> None:
        bin_dir = pg_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server programs (initdb, pg_ctl, pg_basebackup) are not installed")
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="console-pg-"))
        self.servers: list[Server] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.root.chmod(0o700)

    def primary(self, name: str = "primary", **settings: object) -> Server:
        server = Server(self.bin, self.root / name, free_port(), self.root)
        _run_as_server_user(
            [
                str(self.bin / "initdb"),
                "-D",
                str(server.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C.UTF-8",
            ]
        )
        server.configure(
            port=server.port,
            listen_addresses="127.0.0.1",
            unix_socket_directories=str(self.root),
            max_connections=60,
            shared_buffers="32MB",
            wal_level="replica",
            max_wal_senders=4,
            hot_standby="on",
            **settings,
        )
        self.servers.append(server)
        server.start()
        return server

    def standby_of(self, primary: Server, name: str = "standby", **settings: object) -> Server:
        server = Server(self.bin, self.root / name, free_port(), self.root)
        _run_as_server_user(
            [
                str(self.bin / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(server.data),
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",
                "--no-sync",
            ]
        )
        server.configure(port=server.port, synchronous_standby_names="", **settings)
        self.servers.append(server)
        server.start()
        return server

    def wait_streaming(self, primary: Server, state: str = "sync", timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = primary.sql("SELECT sync_state FROM pg_stat_replication")
            if rows and rows[0][0] == state:
                return
            time.sleep(0.1)
        raise TimeoutError(f"the standby is not streaming ({state}) after {timeout} s")

    def close(self) -> None:
        for server in self.servers:
            server.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
