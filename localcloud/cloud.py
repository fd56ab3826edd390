"""The local cloud as an object: moto's server, the provisioned stack, warm functions and deliveries."""

import json
import os
import secrets
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from localcloud.auth import JwksCache, JwtAuthorizer
from localcloud.cognito_triggers import (
    SignUpRefused,
    post_confirmation_event,
    pre_sign_up_event,
    trigger_function,
    with_default_birth_date,
)
from localcloud.delivery import Deliveries, LocalClock
from localcloud.functions import FunctionError, FunctionPool, FunctionSpec
from localcloud.moto_dynamodb import isolate_dynamodb_requests
from localcloud.provision import Provisioner, function_environment
from localcloud.routes import Wiring
from localcloud.template import ACCOUNT_ID, REGION, Stack, policy_document

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "localcloud", "AWS_SECRET_ACCESS_KEY": "localcloud", "AWS_DEFAULT_REGION": REGION}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def policy_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters a product's deployment gives with its Policy (as its samconfig environment does): the restore
    window, the deletion bound and the consent lifetime the policy states, unless given too."""
    name = parameters.get("Policy")
    if not name:
        return parameters
    document = policy_document(name)
    erasure = document["erasure"]
    derived = {
        "ErasureGraceDays": str(erasure["restore_window_days"]),
        "ConsentMaxAgeDays": str(document["consent"]["max_age_days"]),
    }
    if erasure["purge_within_days"] in (30, 60, 90):
        derived["PromisedDeletionDays"] = str(erasure["purge_within_days"])
    return {**derived, **parameters}


class LocalCloud:
    def __init__(self, workdir: Path | None = None, parameters: dict[str, Any] | None = None) -> None:
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="localcloud-"))
        self.moto_port = free_port()
        self.moto_url = f"http://127.0.0.1:{self.moto_port}"
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.moto_port, verbose=False)
        self._session = boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION,
        )
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self.stack = Stack.from_template(overrides=policy_parameters(parameters or {}))
        self.clock = LocalClock(self.workdir / "clock")
        self.jwks = JwksCache()
        self.log_path = self.workdir / "functions.log"

    def client(self, service: str) -> Any:
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(service, endpoint_url=self.moto_url)  # type: ignore[call-overload]
            return self._clients[service]

    def start(self) -> "LocalCloud":
        isolate_dynamodb_requests()
        self._moto.start()
        Provisioner(self.stack, self._session, self.moto_url).provision()
        self.wiring = Wiring.from_stack(self.stack)
        base_env = {
            **CREDENTIALS,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.moto_url,
            "PRIVACY_LOCAL_CLOUD": "1",
            "LOCAL_CLOCK_FILE": str(self.clock.path),
            "POWERTOOLS_METRICS_NAMESPACE": "PrivacyRights",
            "POWERTOOLS_DEV": "false",
        }
        self.pool = FunctionPool(self._function_specs(), base_env, self.log_path)
        self.deliveries = Deliveries(self.stack, self.wiring, self.pool, self.client, self.clock)
        self.authorizer = self._authorizer()
        self._start_event_tap()
        return self

    def _start_event_tap(self) -> None:
        """Every event published on the template's buses is copied to a local queue, for GET /_local/events."""
        sqs, events = self.client("sqs"), self.client("events")
        self._tap_url = sqs.create_queue(QueueName="localcloud-event-tap")["QueueUrl"]
        tap_arn = sqs.get_queue_attributes(QueueUrl=self._tap_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        for bus in self.stack.of_type("AWS::Events::EventBus"):
            name = self.stack.physical_ids[bus]
            events.put_rule(
                Name="localcloud-tap", EventBusName=name, EventPattern=json.dumps({"account": [ACCOUNT_ID]})
            )
            events.put_targets(Rule="localcloud-tap", EventBusName=name, Targets=[{"Id": "tap", "Arn": tap_arn}])

    def read_event_tap(self) -> list[dict[str, Any]]:
        sqs, found = self.client("sqs"), []
        while messages := sqs.receive_message(QueueUrl=self._tap_url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self._tap_url, ReceiptHandle=message["ReceiptHandle"])
        return found

    def stop(self) -> None:
        pool = getattr(self, "pool", None)
        if pool is not None:
            pool.stop()
        self._moto.stop()

    def _function_specs(self) -> dict[str, FunctionSpec]:
        globals_fn = self.stack.template.get("Globals", {}).get("Function", {})
        specs = {}
        for logical_id, resource in self.stack.of_type("AWS::Serverless::Function").items():
            props = resource["Properties"]
            environment = function_environment(self.stack, logical_id)
            if (props.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions":
                # As Lambda tells a restored environment; the worker then runs the snapshot and restore hooks.
                environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
            specs[logical_id] = FunctionSpec(
                logical_id=logical_id,
                handler=props["Handler"],
                environment=environment,
                timeout_s=int(props.get("Timeout", globals_fn.get("Timeout", 3))),
                memory_mb=int(props.get("MemorySize", globals_fn.get("MemorySize", 128))),
            )
        return specs

    def _authorizer(self) -> JwtAuthorizer:
        api = next(iter(self.stack.of_type("AWS::Serverless::HttpApi")))
        auth = self.stack.properties(api)["Auth"]
        config = auth["Authorizers"][auth["DefaultAuthorizer"]]["JwtConfiguration"]
        issuer = config["issuer"]
        pool_id = issuer.rsplit("/", 1)[-1]
        return JwtAuthorizer(issuer, tuple(config["audience"]), f"{self.moto_url}/{pool_id}/.well-known/jwks.json")

    # ------------------------------------------------------------------ users
    @property
    def user_pool_id(self) -> str:
        return self.stack.physical_ids[next(iter(self.stack.of_type("AWS::Cognito::UserPool")))]

    @property
    def app_client_id(self) -> str:
        return self.stack.physical_ids[next(iter(self.stack.of_type("AWS::Cognito::UserPoolClient")))]

    def known_groups(self) -> set[str]:
        return {self.stack.physical_ids[name] for name in self.stack.of_type("AWS::Cognito::UserPoolGroup")}

    def post_confirmation_function(self) -> str | None:
        return trigger_function(self.stack, "PostConfirmation")

    def login(
        self, username: str, groups: list[str], attributes: dict[str, str], metadata: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Real Cognito tokens for a user, created (through the sign-up path: the pre-sign-up trigger, then the
        post-confirmation trigger) if new. `metadata` is the sign-up's client metadata, as Cognito hands it to both
        triggers (e.g. the consent request a child's sign-up names: `parental_request_id`). A new user without a birth
        date gets an adult's where the policy requires one (cognito_triggers.with_default_birth_date). SignUpRefused
        when the pre-sign-up trigger refuses: then no user is created."""
        cognito = self.client("cognito-idp")
        email = attributes.get("email") or (username if "@" in username else f"{username}@example.test")
        password = "Local-" + secrets.token_urlsafe(18) + "9a"
        created = False
        try:
            user = cognito.admin_get_user(UserPoolId=self.user_pool_id, Username=email)
        except cognito.exceptions.UserNotFoundException:
            attributes = with_default_birth_date(self.stack, attributes)
            self._pre_sign_up(email, attributes, metadata or {})
            user_attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
            user_attributes += [{"Name": k, "Value": v} for k, v in attributes.items() if k != "email" and v]
            cognito.admin_create_user(
                UserPoolId=self.user_pool_id, Username=email, UserAttributes=user_attributes, MessageAction="SUPPRESS"
            )
            user = cognito.admin_get_user(UserPoolId=self.user_pool_id, Username=email)
            created = True
        cognito.admin_set_user_password(UserPoolId=self.user_pool_id, Username=email, Password=password, Permanent=True)
        current = {
            g["GroupName"]
            for g in cognito.admin_list_groups_for_user(UserPoolId=self.user_pool_id, Username=email)["Groups"]
        }
        for group in set(groups) - current:
            cognito.admin_add_user_to_group(UserPoolId=self.user_pool_id, Username=email, GroupName=group)
        attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        if created and (trigger := self.post_confirmation_function()):
            event = post_confirmation_event(self.user_pool_id, self.app_client_id, email, attrs, metadata or {})
            self.pool.invoke(trigger, event)
        tokens = cognito.admin_initiate_auth(
            UserPoolId=self.user_pool_id,
            ClientId=self.app_client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )["AuthenticationResult"]
        return {
            "sub": attrs["sub"],
            "username": email,
            "created": created,
            "access_token": tokens["AccessToken"],
            "id_token": tokens["IdToken"],
            "refresh_token": tokens.get("RefreshToken"),
            "expires_in": tokens["ExpiresIn"],
            "token_type": "Bearer",
        }

    def _pre_sign_up(self, email: str, attributes: dict[str, str], metadata: dict[str, str]) -> None:
        """Runs the template's pre-sign-up trigger as Cognito does before creating a user: an exception it raises
        refuses the sign-up with its message (Cognito's UserLambdaValidationException)."""
        trigger = trigger_function(self.stack, "PreSignUp")
        if trigger is None:
            return
        event = pre_sign_up_event(
            self.user_pool_id, self.app_client_id, email, {"email": email, **attributes}, metadata
        )
        try:
            self.pool.invoke(trigger, event)
        except FunctionError as error:
            if error.error_message is None:  # crashed or timed out: Cognito fails the sign-up as well
                raise SignUpRefused("the pre-sign-up trigger did not answer") from error
            raise SignUpRefused(error.error_message) from error


def describe(cloud: LocalCloud, port: int) -> str:
    return os.linesep.join(
        [
            f"Local cloud ready: http://127.0.0.1:{port}  (moto: {cloud.moto_url})",
            f"  OpenAPI: http://127.0.0.1:{port}/openapi.json   Swagger UI: http://127.0.0.1:{port}/swagger",
            "  Demo user token:",
            f'    curl -s -X POST http://127.0.0.1:{port}/_local/login -d \'{{"username": "demo"}}\'',
            f'    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:{port}/me/consents',
            '  Admin: add "groups": ["privacy-admin"] to the login body.  Ctrl-C stops everything.',
        ]
    )
