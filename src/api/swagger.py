"""Swagger UI for the merged document, using the UI assets powertools ships (no CDN)."""

from pathlib import Path

import aws_lambda_powertools.event_handler as event_handler
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

from api.openapi import openapi_json

_ASSETS = Path(event_handler.__file__).parent / "openapi" / "swagger_ui"


def swagger_page() -> str:
    spec = openapi_json().replace("</", "<\\/")
    script = (_ASSETS / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    css = (_ASSETS / "swagger-ui.min.css").read_text(encoding="utf-8")
    return generate_swagger_html(spec, script, css, "", None, False)
