"""`python -m api.openapi_export docs/openapi.json`: writes the merged document, as committed in docs/."""

import sys
from pathlib import Path

from api.openapi import openapi_json


def main(target: str) -> None:
    Path(target).write_text(openapi_json() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
