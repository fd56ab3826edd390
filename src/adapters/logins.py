"""A subject's login in the Cognito user pool, found by its `sub` and deleted by the purge."""

from contextlib import suppress

from adapters.aws import client


class CognitoLogins:
    def __init__(self, user_pool_id: str | None) -> None:
        self.user_pool_id = user_pool_id

    def find(self, subject_id: str) -> str | None:
        """The user name of the subject's login, or None if there is none (or no pool)."""
        if not self.user_pool_id:
            return None
        users = (
            client("cognito-idp")
            .list_users(UserPoolId=self.user_pool_id, Filter=f'sub = "{subject_id}"', Limit=1)
            .get("Users", [])
        )
        return str(users[0]["Username"]) if users else None

    def delete(self, username: str | None) -> None:
        if username is None or not self.user_pool_id:
            return
        cognito = client("cognito-idp")
        # Gone meanwhile (a concurrent run of this purge): what was to happen has happened.
        with suppress(cognito.exceptions.UserNotFoundException):
            cognito.admin_delete_user(UserPoolId=self.user_pool_id, Username=username)
