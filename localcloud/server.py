"""HTTP front door of the local cloud: the template's API routes behind a JWT check, plus /_local/*."""

import json
import mimetypes
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from localcloud.apigw import build_event, to_answer
from localcloud.auth import TokenRejected, as_gateway_claims, bearer_token, verify
from localcloud.cloud import LocalCloud
from localcloud.cognito_triggers import SignUpRefused
from localcloud.delivery import Report
from localcloud.functions import FunctionError
from localcloud.mail import sent_mail
from localcloud.template import ROOT

MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway's own limit
WEB_ROOT = ROOT / "web"


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


class Gateway:
    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.published: list[dict[str, Any]] = []
        api = next(iter(cloud.stack.of_type("AWS::Serverless::HttpApi")))
        self.cors = cloud.stack.properties(api).get("CorsConfiguration", {})

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except Exception as error:  # noqa: BLE001 - the gateway itself must not die on one request
            response = _json(500, {"message": "Internal Server Error", "detail": type(error).__name__})
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith("/_local/"):
            return self.local(request)
        if request.method == "OPTIONS" and request.headers.get("Origin"):
            return self._preflight()
        found = self.cloud.wiring.find_route(request.method, request.path)
        if found is None:
            static = self._static(request)
            return static if static is not None else _json(404, {"message": "Not Found"})
        route, path_parameters = found
        if request.content_length and request.content_length > MAX_PAYLOAD:
            return _json(413, {"message": "Request Entity Too Large"})
        claims = scopes = None
        if route.authorized:
            try:
                verified = verify(
                    bearer_token(request.headers.get("Authorization")), self.cloud.authorizer, self.cloud.jwks
                )
            except TokenRejected:
                return _json(401, {"message": "Unauthorized"}, {"www-authenticate": 'Bearer error="invalid_token"'})
            claims, scopes = as_gateway_claims(verified)
        event = build_event(
            method=request.method,
            path=request.path,
            raw_query=request.query_string.decode("latin-1"),
            headers=dict(request.headers.items()),
            body=request.get_data(),
            route_key=route.route_key,
            path_parameters=path_parameters,
            claims=claims,
            scopes=scopes,
            source_ip=request.remote_addr or "127.0.0.1",
        )
        try:
            answer = to_answer(self.cloud.pool.invoke(route.function, event))
        except FunctionError:
            return _json(500, {"message": "Internal Server Error"})
        response = Response(answer.body, status=answer.status, headers=answer.headers)
        for cookie in answer.cookies:
            response.headers.add("Set-Cookie", cookie)
        if request.headers.get("Origin"):
            response.headers["access-control-allow-origin"] = "*"
        return response

    def _preflight(self) -> Response:
        headers = {
            "access-control-allow-origin": ",".join(self.cors.get("AllowOrigins", ["*"])),
            "access-control-allow-methods": ",".join(self.cors.get("AllowMethods", ["*"])),
            "access-control-allow-headers": ",".join(self.cors.get("AllowHeaders", ["*"])),
            "access-control-max-age": str(self.cors.get("MaxAge", 600)),
        }
        return Response(status=204, headers=headers)

    def _static(self, request: Request) -> Response | None:
        """web/ served at / (the privacy center, the cookie banner, the operator console at /admin/), as CloudFront
        would with the template's IndexPages function: a folder's index.html, and a folder named without its slash
        redirected to it (its page's relative links then resolve inside it)."""
        if request.method != "GET" or not WEB_ROOT.is_dir():
            return None
        relative = request.path.lstrip("/")
        target = (WEB_ROOT / relative).resolve()
        if not target.is_relative_to(WEB_ROOT.resolve()):
            return None
        if target.is_dir() and (target / "index.html").is_file():
            if relative and not relative.endswith("/"):
                return Response(status=301, headers={"location": f"/{relative}/"})
            target = target / "index.html"
        if not target.is_file():
            return None
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return Response(target.read_bytes(), content_type=content_type)

    # ------------------------------------------------------------------ local-only endpoints
    def local(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _json(400, {"error": "bad_request", "message": "Send a JSON object."})
        match request.method, request.path.removeprefix("/_local/"):
            case "POST", "login":
                return self._login(body)
            case "GET", "clock":
                return _json(200, self._clock())
            case "POST", "clock":
                return self._set_clock(body)
            case "POST", "drain":
                return _json(200, self.cloud.deliveries.drain().as_dict())
            case "POST", "tick":
                return _json(200, self.cloud.deliveries.tick().as_dict())
            case "POST", "restart":
                self.cloud.pool.stop_workers()
                return _json(200, {"restarted": True})
            case "GET", "info":
                return _json(200, self._info())
            case "GET", "events":
                return _json(200, {"events": self._events(request.args.get("detail_type"))})
            case "GET", "mail":
                return _json(200, {"messages": sent_mail(request.args.get("to"))})
            case "POST", path if path.startswith("run/"):
                return self._run(path.removeprefix("run/"))
        return _json(404, {"error": "not_found", "message": "Unknown local endpoint."})

    def _info(self) -> dict[str, Any]:
        return {
            "moto_url": self.cloud.moto_url,
            "resources": self.cloud.stack.physical_ids,
            "invocations": self.cloud.pool.invocations,
            "worker_pids": self.cloud.pool.worker_pids(),
            "schedules": [s.logical_id for s in self.cloud.wiring.schedules],
            "log_file": str(self.cloud.log_path),
        }

    def _login(self, body: dict[str, Any]) -> Response:
        username = body.get("username")
        groups = body.get("groups") or []
        if not isinstance(username, str) or not username.strip() or not isinstance(groups, list):
            return _json(400, {"error": "bad_request", "message": 'Send {"username": str, "groups": [str]}.'})
        unknown = set(groups) - self.cloud.known_groups()
        if unknown:
            return _json(400, {"error": "unknown_group", "message": f"Unknown groups: {sorted(unknown)}."})
        metadata = body.get("client_metadata") or {}
        if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
            return _json(400, {"error": "bad_request", "message": "client_metadata must map names to strings."})
        names = ("email", "given_name", "family_name", "country", "birth_date")
        attributes = {("birthdate" if k == "birth_date" else k): str(body[k]) for k in names if body.get(k)}
        try:
            return _json(200, self.cloud.login(username.strip(), groups, attributes, metadata))
        except SignUpRefused as refused:  # Cognito answers 400 UserLambdaValidationException; no user was created
            return _json(400, {"error": "sign_up_refused", "message": refused.message})

    def _clock(self) -> dict[str, Any]:
        import datetime as dt

        offset = self.cloud.clock.offset_seconds
        now = dt.datetime.fromtimestamp(self.cloud.clock.now(), tz=dt.UTC)
        return {"offset_seconds": offset, "offset_days": offset / 86400, "now": now.isoformat()}

    def _set_clock(self, body: dict[str, Any]) -> Response:
        if body.get("reset"):
            self.cloud.clock.reset()
        else:
            days, seconds = body.get("advance_days", 0), body.get("advance_seconds", 0)
            if not isinstance(days, int | float) or not isinstance(seconds, int | float) or days < 0 or seconds < 0:
                return _json(
                    400, {"error": "bad_request", "message": "advance_days/advance_seconds must be numbers >= 0."}
                )
            self.cloud.clock.advance(days * 86400 + seconds)
        return _json(200, self._clock())

    def _run(self, name: str) -> Response:
        schedule = self.cloud.wiring.schedule(name)
        if schedule is None:
            known = [s.logical_id for s in self.cloud.wiring.schedules]
            return _json(404, {"error": "unknown_schedule", "message": f"No schedule {name!r}; known: {known}."})
        report = Report()
        with self.cloud.deliveries.lock:
            self.cloud.deliveries.run_schedule(schedule, report)
            self.cloud.deliveries.drain(report)
        return _json(200, report.as_dict())

    def _events(self, detail_type: str | None) -> list[dict[str, Any]]:
        self.published.extend(self.cloud.read_event_tap())
        return [e for e in self.published if detail_type is None or e.get("detail-type") == detail_type]


class Server:
    def __init__(self, cloud: LocalCloud, port: int, auto_deliver: bool = True) -> None:
        self.cloud = cloud
        self.gateway = Gateway(cloud)
        self._http: BaseWSGIServer = make_server("127.0.0.1", port, self.gateway, threaded=True)
        self.port = self._http.server_port
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._http.serve_forever, daemon=True)]
        if auto_deliver:
            self._threads.append(threading.Thread(target=self._deliver_forever, daemon=True))

    def _deliver_forever(self) -> None:
        # What AWS's pollers do continuously: queues and streams flow without anyone calling /_local/drain.
        while not self._stop.wait(1.0):
            try:
                self.cloud.deliveries.drain()
            except Exception:  # noqa: BLE001,S112 - keep polling; the next round retries
                continue

    def start(self) -> "Server":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._http.shutdown()
        self._http.server_close()
