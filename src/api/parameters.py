"""Path parameters that several routers share, so that the same id is validated the same way everywhere."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

# A subject id as the host application knows it (its identity provider's `sub`), never parsed further.
SUBJECT_ID = Annotated[str, Path(min_length=1, max_length=128)]
REQUEST_ID = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
