"""The verified e-mail address of a subject's login in the Cognito user pool (AdminGetUser by the login's `sub`).

With e-mail as the pool's username attribute, a login's user name is its `sub`, which is the subject id."""

from adapters.aws import client


class CognitoVerifiedEmails:
    def __init__(self, user_pool_id: str | None) -> None:
        self.user_pool_id = user_pool_id

    def verified_email(self, subject_id: str) -> str | None:
        """The login's `email` if its `email_verified` is "true"; None without a pool, a login or a verified address."""
        if not self.user_pool_id:
            return None
        cognito = client("cognito-idp")
        try:
            user = cognito.admin_get_user(UserPoolId=self.user_pool_id, Username=subject_id)
        except cognito.exceptions.UserNotFoundException:
            return None
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        # The name may also be an alias (an address): only the login whose sub is this subject's counts.
        if attributes.get("sub") != subject_id or attributes.get("email_verified") != "true":
            return None
        email = attributes.get("email")
        return str(email) if email else None
