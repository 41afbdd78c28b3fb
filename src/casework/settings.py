"""Configuration from the environment (prefix CASEWORK_), with safe defaults for a laptop."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SECRET = "dev-only-change-me"


class Settings(BaseSettings):
    """Every setting the app reads. See docs/admin-guide.md for each variable."""

    model_config = SettingsConfigDict(env_prefix="CASEWORK_", env_file=".env", extra="ignore")

    #: dev = a laptop (demo accounts allowed, default secret tolerated); production = refuse both.
    env: Literal["dev", "test", "production"] = "dev"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'casework.db'}"
    secret_key: str = DEFAULT_SECRET
    timezone: str = "Asia/Ho_Chi_Minh"
    upload_dir: Path = PROJECT_ROOT / "var" / "uploads"
    workflows_dir: Path = PROJECT_ROOT / "workflows"
    templates_dir: Path = PROJECT_ROOT / "templates"
    locales_dir: Path = PROJECT_ROOT / "locales"
    #: Signed checkpoints of the event chains (docs/security.md): the Ed25519 private key (a file
    #: outside the database, 0600, made by `casework audit keygen`), where the checkpoint files
    #: go, and the public key a verifier trusts (default: `<key>.pub` beside the private key).
    checkpoint_key: Path = PROJECT_ROOT / "var" / "checkpoint-key.pem"
    checkpoint_dir: Path = PROJECT_ROOT / "var" / "checkpoints"
    checkpoint_public_key: Path | None = None
    #: SQLite busy timeout (seconds) when two writers meet.
    sqlite_timeout: float = 30.0
    #: PostgreSQL connections per app worker: kept open, and extra ones for bursts. The server's
    #: max_connections must cover workers × (pool size + overflow) plus the admin's own.
    #: 10 kept: eight requests at once per worker (wrk, bench/actions.py) no longer open and
    #: close overflow connections all the time (issue 19).
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    #: Threads per app worker for the requests' blocking work (database, templates): at most
    #: this many requests of a worker run at once, the others wait their turn in the event loop.
    threads: int = Field(default=40, ge=1, le=1000)
    #: Signed-in sessions end after this many idle minutes, and at the latest after max_age hours.
    session_idle_minutes: int = 30
    session_max_age_hours: int = 12
    #: Sign-in throttling: failed sign-ins allowed per user name and per client address within
    #: the window. Raise the address limit for an office whose officers share one address.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1, le=1440)  # failures are kept a day
    #: A mentor signs a procedure off for a trainee only after at least this many of the
    #: trainee's practice runs of it were passed ("Đạt") by a mentor (docs/progress.md).
    signoff_min_passed: int = Field(default=1, ge=1, le=20)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "CASEWORK_SECRET_KEY chưa được đặt: không được chạy môi trường production với khóa "
                "mặc định (set CASEWORK_SECRET_KEY to a long random value)."
            )
        return self

    @property
    def demo_allowed(self) -> bool:
        return self.env != "production"

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()
