"""Where a policy value comes from: a quote from the product's published policy (its seed), or the GDPR default
applied where that text is silent. Every value object of a policy document carries at least one."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SEED_FILE_PATTERN = r"^\d{3}_[0-9a-f]{16}\.txt$"
SeedFile = Annotated[str, Field(pattern=SEED_FILE_PATTERN, description="A file of policies/seeds/")]


class SeedQuote(BaseModel):
    """The value is what the product's own policy says; `quote` occurs in `seed` (whitespace and Markdown link
    syntax aside: tests/unit/test_policies.py checks every quote against the file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: SeedFile
    quote: str = Field(min_length=12, max_length=600)


class GdprDefault(BaseModel):
    """The product's policy is silent here: the value is what the GDPR requires or presumes, with the article."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gdpr_default: str = Field(min_length=8, max_length=600, description="The article and why it gives this value")


Source = SeedQuote | GdprDefault
Sources = Annotated[list[Source], Field(min_length=1)]
