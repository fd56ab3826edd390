"""The user pool's Lambda triggers as Cognito runs them around a sign-up (moto runs none): which function the
template names for each, the events they get, and what a refusal looks like to the one signing up."""

from typing import Any

from localcloud.template import REGION, Stack, policy_document

# What /_local/login gives a new user without a birth date where the policy requires one at sign-up: an adult, so a
# login with a user name alone keeps signing in an adult whatever the product.
DEFAULT_ADULT_BIRTH_DATE = "1990-01-01"


class SignUpRefused(Exception):
    """The pre-sign-up trigger refused: Cognito's UserLambdaValidationException, with the trigger's message."""

    def __init__(self, message: str) -> None:
        super().__init__(f"PreSignUp failed with error {message}.")
        self.message = str(self.args[0])


def trigger_function(stack: Stack, trigger: str) -> str | None:
    """The logical id of the function the user pool's LambdaConfig names for `trigger` (PreSignUp, PostConfirmation)."""
    pool = next(iter(stack.of_type("AWS::Cognito::UserPool").values()))
    target = pool.get("Properties", {}).get("LambdaConfig", {}).get(trigger)
    if isinstance(target, dict) and "Fn::GetAtt" in target:
        return str(target["Fn::GetAtt"][0])
    return None


def birth_date_required(stack: Stack) -> bool:
    """Whether the stack's policy (its Policy parameter) refuses a sign-up without a birth date."""
    name = stack.parameters.get("Policy") or "imind"
    return bool(policy_document(name)["minors"].get("birth_date_at_sign_up") == "required")


def with_default_birth_date(stack: Stack, attributes: dict[str, str]) -> dict[str, str]:
    """A new user's attributes: an adult's birth date added where none is given and the policy requires one."""
    if attributes.get("birthdate") or not birth_date_required(stack):
        return attributes
    return {**attributes, "birthdate": DEFAULT_ADULT_BIRTH_DATE}


def _event(trigger_source: str, pool_id: str, client_id: str, user_name: str) -> dict[str, Any]:
    return {
        "version": "1",
        "region": REGION,
        "userPoolId": pool_id,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "localcloud", "clientId": client_id},
        "triggerSource": trigger_source,
    }


def pre_sign_up_event(
    pool_id: str, client_id: str, username: str, attributes: dict[str, str], metadata: dict[str, str]
) -> dict[str, Any]:
    return {
        **_event("PreSignUp_SignUp", pool_id, client_id, username),
        "request": {
            "userAttributes": attributes,
            "validationData": None,
            **({"clientMetadata": metadata} if metadata else {}),
        },
        "response": {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    }


def post_confirmation_event(
    pool_id: str, client_id: str, username: str, attributes: dict[str, str], metadata: dict[str, str]
) -> dict[str, Any]:
    return {
        **_event("PostConfirmation_ConfirmSignUp", pool_id, client_id, attributes.get("sub", username)),
        "request": {
            "userAttributes": {**attributes, "cognito:user_status": "CONFIRMED"},
            **({"clientMetadata": metadata} if metadata else {}),
        },
        "response": {},
    }
