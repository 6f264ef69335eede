"""The ``readiness`` command: serve, load-frameworks, import-occurrences, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from service.catalog.validation import CatalogError
from service.settings import Settings

EXIT_CONFIG = 2


def _fail(message: str) -> int:
    print(f"readiness: error: {message}", file=sys.stderr)
    return EXIT_CONFIG


def _describe_uri(settings: Settings) -> str:
    if settings.mongodb_uri is None:
        return "the embedded database"
    # Never print credentials: keep scheme and hosts only.
    uri = settings.mongodb_uri.get_secret_value()
    scheme, _, rest = uri.partition("://")
    hosts = rest.rpartition("@")[2].split("/")[0]
    return f"MONGODB_URI ({scheme}://{hosts})"


async def _prepare(settings: Settings, uri: str, print_key: bool) -> None:
    """Connect once before serving: fail fast with a clear line, and print the dev key."""
    from service.auth.local_admin import development_key  # noqa: PLC0415
    from service.catalog.loader import load_directory  # noqa: PLC0415
    from service.storage.database import Database  # noqa: PLC0415

    database = Database(uri, settings.mongodb_db, settings.mongodb_timeout_ms)
    try:
        await database.connect()
        await load_directory(settings.frameworks_dir)
        if print_key:
            # The same key at every start of this DATA_DIR, kept in DATA_DIR/local-admin-key.
            secret = await development_key(settings.data_dir)
            print(f"Local admin API key (development only): {secret}", flush=True)
    finally:
        await database.close()


def _catalog_problems(error: CatalogError) -> str:
    return "the catalog in FRAMEWORKS_DIR was refused:\n  " + "\n  ".join(error.problems)


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def serve(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415

    from service.app import create_app  # noqa: PLC0415
    from service.auth.limits import MAX_BODY_BYTES  # noqa: PLC0415
    from service.errors import DatabaseUnavailable  # noqa: PLC0415
    from service.storage.embedded import EmbeddedServer, EmbeddedServerError  # noqa: PLC0415

    settings = Settings()
    if problems := settings.auth_problems():
        return _fail("; ".join(problems))
    embedded: EmbeddedServer | None = None
    metrics_dir: Path | None = None
    try:
        if settings.mongodb_uri is None:
            embedded = EmbeddedServer(settings.data_dir)
            try:
                embedded.start()
            except EmbeddedServerError as error:
                return _fail(str(error))
            # Workers (and this process) reach the embedded server through its URI.
            os.environ["MONGODB_URI"] = embedded.uri
            settings = Settings()
        uri = settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else ""
        print_key = not settings.is_production and not settings.oidc_enabled
        try:
            asyncio.run(_prepare(settings, uri, print_key))
        except DatabaseUnavailable as error:
            return _fail(f"cannot reach MongoDB at {_describe_uri(settings)}: {error}")
        except CatalogError as error:
            return _fail(_catalog_problems(error))
        host = args.host
        print(f"GraphQL endpoint: http://{host}:{args.port}/graphql", flush=True)
        if not settings.is_production:
            print(f"GraphiQL: http://{host}:{args.port}/graphql", flush=True)
        workers = args.workers or settings.web_concurrency
        # uvicorn re-raises SIGTERM/SIGINT once it has shut down gracefully; with
        # the default handler that would kill this process before the embedded
        # database is stopped. Exiting normally runs the ``finally`` below.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _exit_cleanly)
        if workers > 1:
            metrics_dir = _share_metrics(settings)
        # Several workers each build the app from the environment; one runs this one.
        app = "service.app:create_app" if workers > 1 else create_app(settings)
        uvicorn.run(
            app,
            factory=workers > 1,
            host=host,
            port=args.port,
            workers=workers,
            log_level="warning",
            timeout_graceful_shutdown=20,
            # uvicorn buffers a whole WebSocket message (16 MiB by default) before the
            # app sees it: refuse one over the body cap in the protocol instead.
            ws_max_size=MAX_BODY_BYTES,
        )
        return 0
    finally:
        if embedded is not None:
            embedded.close()
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _share_metrics(settings: Settings) -> Path | None:
    """Give the workers one metrics directory (``PROMETHEUS_MULTIPROC_DIR``), emptied: a
    directory left by an earlier run would add its counts to this one's. Returns the
    directory when it made one (to remove at exit)."""
    directory = settings.prometheus_multiproc_dir
    made = None
    if directory is None:
        directory = made = Path(tempfile.mkdtemp(prefix="readiness-metrics-"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    return made


@contextmanager
def _database_uri(settings: Settings) -> Iterator[str]:
    """``MONGODB_URI``, or the embedded server's, started for the command and stopped
    after it."""
    from service.storage.embedded import EmbeddedServer  # noqa: PLC0415

    if settings.mongodb_uri is not None:
        yield settings.mongodb_uri.get_secret_value()
        return
    embedded = EmbeddedServer(settings.data_dir)
    try:
        embedded.start()
        yield embedded.uri
    finally:
        embedded.close()


def load_frameworks(_args: argparse.Namespace) -> int:
    from service.catalog.loader import load_directory  # noqa: PLC0415
    from service.errors import DatabaseUnavailable  # noqa: PLC0415
    from service.storage.database import Database  # noqa: PLC0415
    from service.storage.embedded import EmbeddedServerError  # noqa: PLC0415

    settings = Settings()

    async def run(uri: str) -> list[str]:
        database = Database(uri, settings.mongodb_db, settings.mongodb_timeout_ms)
        try:
            await database.connect()
            report = await load_directory(settings.frameworks_dir)
        finally:
            await database.close()
        return [f"published {label}" for label in report.published] + [
            f"unchanged {label}" for label in report.unchanged
        ]

    try:
        with _database_uri(settings) as uri:
            for line in asyncio.run(run(uri)):
                print(line)
    except EmbeddedServerError as error:
        return _fail(str(error))
    except DatabaseUnavailable as error:
        return _fail(f"cannot reach MongoDB at {_describe_uri(settings)}: {error}")
    except CatalogError as error:
        return _fail(_catalog_problems(error))
    return 0


EXIT_REFUSED = 1


def _organization_id(text: str) -> object:
    """An organisation's id as an ObjectId hex string or the API's global id."""
    from bson import ObjectId  # noqa: PLC0415
    from bson.errors import InvalidId  # noqa: PLC0415

    from service.api.ids import decode_id  # noqa: PLC0415

    try:
        return ObjectId(text)
    except (InvalidId, TypeError):
        return decode_id("Organization", text)


def _csv_text(path: Path, limit: int) -> str | int:
    """The file's text, or the exit code of a refusal."""
    try:
        if path.stat().st_size > limit:
            return _fail(f"{path} is over {limit} bytes; split it")
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"cannot read {path}: {error}")


def import_occurrences(args: argparse.Namespace) -> int:
    """Record a CSV export in an organisation's evidence ledger, as an operator."""
    from service.assessment.ledger import HistoryCache, LedgerService  # noqa: PLC0415
    from service.assessment.ledger_input import MAX_CSV_BYTES  # noqa: PLC0415
    from service.assessment.records import Access  # noqa: PLC0415
    from service.catalog.catalog import Catalog  # noqa: PLC0415
    from service.catalog.repository import CatalogRepository  # noqa: PLC0415
    from service.errors import DatabaseUnavailable, DomainError  # noqa: PLC0415
    from service.principal import Principal, PrincipalKind, Role  # noqa: PLC0415
    from service.storage.database import Database  # noqa: PLC0415
    from service.storage.embedded import EmbeddedServerError  # noqa: PLC0415

    organization_id = _organization_id(args.organization)
    if organization_id is None:
        return _fail(f"--organization {args.organization[:80]!r} is not an organisation id")
    text = _csv_text(args.file, MAX_CSV_BYTES)
    if isinstance(text, int):
        return text
    settings = Settings()
    operator = os.environ.get("USER") or "operator"
    # The operator reaches the database directly; the ledger records it as the actor.
    principal = Principal(
        subject=f"cli:{operator}",
        kind=PrincipalKind.USER,
        organization_id=organization_id,  # type: ignore[arg-type]
        role=Role.OWNER,
    )

    async def run(uri: str) -> str:
        database = Database(uri, settings.mongodb_db, settings.mongodb_timeout_ms)
        try:
            await database.connect()
            ledger = LedgerService(
                Access(principal), CatalogRepository(Catalog()), settings_today, HistoryCache()
            )
            done = await ledger.import_csv(organization_id, text)  # type: ignore[arg-type]
        finally:
            await database.close()
        return f"recorded {done.recorded}, duplicates {done.duplicates}"

    try:
        with _database_uri(settings) as uri:
            print(asyncio.run(run(uri)))
    except DomainError as error:
        for problem in error.problems:
            where = " ".join(str(p) for p in (problem.field or ())[1:])
            line = f"line {where}: " if where else ""
            print(f"readiness: refused: {line}{problem.message}", file=sys.stderr)
        return EXIT_REFUSED
    except EmbeddedServerError as error:
        return _fail(str(error))
    except DatabaseUnavailable as error:
        return _fail(f"cannot reach MongoDB at {_describe_uri(settings)}: {error}")
    return 0


def settings_today() -> date:
    return datetime.now(UTC).date()


def export_schema(_args: argparse.Namespace) -> int:
    from service.api.schema import export_sdl  # noqa: PLC0415

    sys.stdout.write(export_sdl())
    return 0


def export_catalog_schema(args: argparse.Namespace) -> int:
    from service.catalog.authoring import write_json_schemas  # noqa: PLC0415

    for path in write_json_schemas(args.directory):
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="readiness", description="SOC 2 readiness service")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the GraphQL API")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--workers", type=int, default=None)
    serve_parser.set_defaults(handler=serve)
    load_parser = commands.add_parser("load-frameworks", help="load frameworks/ into the database")
    load_parser.set_defaults(handler=load_frameworks)
    import_parser = commands.add_parser(
        "import-occurrences",
        help="record a CSV of control occurrences in an organisation's evidence ledger",
    )
    import_parser.add_argument("file", type=Path)
    import_parser.add_argument(
        "--organization", required=True, help="the organisation's id (hex or global id)"
    )
    import_parser.set_defaults(handler=import_occurrences)
    schema_parser = commands.add_parser("export-schema", help="print the GraphQL SDL")
    schema_parser.set_defaults(handler=export_schema)
    catalog_parser = commands.add_parser(
        "export-catalog-schema", help="write the JSON Schemas for catalog authors"
    )
    catalog_parser.add_argument(
        "directory", type=Path, nargs="?", default=Path("frameworks/schema")
    )
    catalog_parser.set_defaults(handler=export_catalog_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
