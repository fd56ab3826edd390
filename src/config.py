"""Configuration as pydantic models read from the environment once per container (cold start)."""

import os
from typing import Self

from pydantic import BaseModel, ConfigDict


class Settings(BaseModel):
    """What every function needs; each function extends it with its own fields."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    stage: str = "dev"
    subjects_table: str
    audit_table: str
    event_bus_name: str
    pseudonym_secret_arn: str

    @classmethod
    def from_env(cls) -> Self:
        return cls.model_validate({key.lower(): value for key, value in os.environ.items()})
