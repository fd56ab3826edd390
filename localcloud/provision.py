"""Creates every resource of template.yaml in moto, with the template's own keys, indexes and settings.

Used by the local cloud (against moto's server) and by the integration tests (against moto in-process),
so neither keeps a second, hand-written list of resources.
"""

import json
import secrets
from collections.abc import Callable
from typing import Any

import boto3

from localcloud.moto_kms import sign_as_aws
from localcloud.template import ACCOUNT_ID, REGION, STACK_NAME, Stack

Creator = Callable[["Provisioner", str, dict[str, Any]], None]
_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "StreamSpecification",
    "SSESpecification",
)


def physical_name(logical_id: str) -> str:
    return f"{STACK_NAME}-{logical_id}"


class Provisioner:
    def __init__(self, stack: Stack, session: boto3.session.Session | None = None, endpoint_url: str | None = None):
        self.stack = stack
        self._session = session or boto3.session.Session(region_name=REGION)
        self._endpoint_url = endpoint_url

    def client(self, service: str) -> Any:
        return self._session.client(service, region_name=REGION, endpoint_url=self._endpoint_url)  # type: ignore[call-overload]

    def provision(self) -> Stack:
        sign_as_aws()  # KMS Sign's message types as AWS handles them (moto's in this process: tests, local cloud)
        pending = {name: res for name, res in self.stack.resources.items() if self.stack.created(name)}
        while pending:
            progressed = False
            for logical_id, resource in list(pending.items()):
                creator = CREATORS.get(resource["Type"])
                try:
                    properties = self.stack.properties(logical_id) if creator else {}
                except KeyError:
                    continue  # depends on a resource not created yet
                if creator:
                    creator(self, logical_id, properties)
                del pending[logical_id]
                progressed = True
            if not progressed:
                raise RuntimeError(f"cannot resolve resources: {sorted(pending)}")
        return self.stack

    def record(self, logical_id: str, physical_id: str, **attributes: str) -> None:
        self.stack.physical_ids[logical_id] = physical_id
        self.stack.attributes[logical_id] = attributes


def _kms_key(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    args = {"Description": props.get("Description", logical_id)}
    if "KeySpec" in props:
        args |= {"KeySpec": props["KeySpec"], "KeyUsage": props["KeyUsage"]}
    meta = p.client("kms").create_key(**args)["KeyMetadata"]
    p.record(logical_id, meta["KeyId"], Arn=meta["Arn"], KeyId=meta["KeyId"])


def _secret(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    length = int(props.get("GenerateSecretString", {}).get("PasswordLength", 64))
    arn = p.client("secretsmanager").create_secret(
        Name=physical_name(logical_id), SecretString=secrets.token_urlsafe(length)[:length]
    )["ARN"]
    p.record(logical_id, arn, Id=arn)


def _table(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = physical_name(logical_id)
    args = {key: props[key] for key in _TABLE_KEYS if key in props}
    if "StreamSpecification" in args:
        args["StreamSpecification"] = {"StreamEnabled": True, **args["StreamSpecification"]}
    if "SSESpecification" in args:
        sse = args["SSESpecification"]
        args["SSESpecification"] = {"Enabled": sse.get("SSEEnabled", True), "SSEType": sse.get("SSEType", "KMS")}
    ddb = p.client("dynamodb")
    description = ddb.create_table(TableName=name, **args)["TableDescription"]
    if ttl := props.get("TimeToLiveSpecification"):
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    attributes = {"Arn": description["TableArn"]}
    if "LatestStreamArn" in description:
        attributes["StreamArn"] = description["LatestStreamArn"]
    p.record(logical_id, name, **attributes)


def _bucket(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = physical_name(logical_id).lower()
    s3 = p.client("s3")
    # Object Lock can only be turned on when the bucket is created (it turns versioning on with it).
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=bool(props.get("ObjectLockEnabled", False)))
    if lock := props.get("ObjectLockConfiguration"):
        retention = lock["Rule"]["DefaultRetention"]
        rule = {"DefaultRetention": {"Mode": retention["Mode"], "Days": int(retention["Days"])}}
        s3.put_object_lock_configuration(
            Bucket=name, ObjectLockConfiguration={"ObjectLockEnabled": lock["ObjectLockEnabled"], "Rule": rule}
        )
    if versioning := props.get("VersioningConfiguration"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
    if encryption := props.get("BucketEncryption"):
        # CloudFormation says ServerSideEncryptionByDefault where the S3 API says ApplyServerSideEncryptionByDefault.
        rules = [
            {
                "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                **({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {}),
            }
            for rule in encryption["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if block := props.get("PublicAccessBlockConfiguration"):
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    if lifecycle := props.get("LifecycleConfiguration"):
        rules = []
        for rule in lifecycle["Rules"]:
            converted: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"], "Filter": _lifecycle_filter(rule)}
            if "ExpirationInDays" in rule:
                converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
            if "ExpiredObjectDeleteMarker" in rule:
                converted["Expiration"] = {"ExpiredObjectDeleteMarker": bool(rule["ExpiredObjectDeleteMarker"])}
            if "NoncurrentVersionExpiration" in rule:
                days = int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
                converted["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
            if "AbortIncompleteMultipartUpload" in rule:
                converted["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
            rules.append(converted)
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    p.record(logical_id, name, Arn=f"arn:aws:s3:::{name}", DomainName=f"{name}.s3.amazonaws.com")


def _lifecycle_filter(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's Prefix and TagFilters of a lifecycle rule as the S3 API's Filter."""
    tags = [{"Key": tag["Key"], "Value": str(tag["Value"])} for tag in rule.get("TagFilters", [])]
    prefix = rule.get("Prefix", "")
    if not tags:
        return {"Prefix": prefix}
    if len(tags) == 1 and not prefix:
        return {"Tag": tags[0]}
    return {"And": {"Prefix": prefix, "Tags": tags}}


def _queue(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    attributes = {
        key: json.dumps(value) if isinstance(value, dict) else str(value)
        for key, value in props.items()
        if key in ("VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy", "DelaySeconds")
    }
    sqs = p.client("sqs")
    url = sqs.create_queue(QueueName=physical_name(logical_id), Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    p.record(logical_id, url, Arn=arn, QueueName=physical_name(logical_id), QueueUrl=url)


def _event_bus(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    arn = p.client("events").create_event_bus(Name=props["Name"])["EventBusArn"]
    p.record(logical_id, props["Name"], Arn=arn, Name=props["Name"])


def _event_rule(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """A bus rule and its targets, so moto routes matching events (e.g. to an SQS queue) as EventBridge would."""
    name, bus = physical_name(logical_id), props.get("EventBusName", "default")
    args: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": props.get("State", "ENABLED")}
    if "EventPattern" in props:
        pattern = props["EventPattern"]
        args["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    if "ScheduleExpression" in props:
        args["ScheduleExpression"] = props["ScheduleExpression"]
    if "Description" in props:
        args["Description"] = props["Description"]
    events = p.client("events")
    arn = events.put_rule(**args)["RuleArn"]
    target_keys = ("Id", "Arn", "Input", "InputPath", "InputTransformer", "SqsParameters", "RoleArn")
    targets = [{key: target[key] for key in target_keys if key in target} for target in props.get("Targets", [])]
    if targets:
        events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
    # CloudFormation's Ref of a rule on a custom bus is "<bus>|<rule>".
    p.record(logical_id, name if bus == "default" else f"{bus}|{name}", Arn=arn)


def _user_pool(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    keys = ("Policies", "UsernameAttributes", "AutoVerifiedAttributes", "MfaConfiguration", "Schema")
    args = {key: props[key] for key in keys if key in props}
    pool = p.client("cognito-idp").create_user_pool(PoolName=physical_name(logical_id), **args)["UserPool"]
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
    p.record(logical_id, pool["Id"], Arn=pool["Arn"], ProviderName=issuer.removeprefix("https://"), ProviderURL=issuer)


def _user_pool_client(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    keys = (
        "GenerateSecret",
        "ExplicitAuthFlows",
        "AllowedOAuthFlows",
        "AllowedOAuthScopes",
        "AllowedOAuthFlowsUserPoolClient",
    )
    args = {key: props[key] for key in keys if key in props}
    client = p.client("cognito-idp").create_user_pool_client(
        UserPoolId=props["UserPoolId"], ClientName=physical_name(logical_id), **args
    )["UserPoolClient"]
    p.record(logical_id, client["ClientId"], ClientSecret=client.get("ClientSecret", ""))


def _user_pool_group(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    p.client("cognito-idp").create_group(UserPoolId=props["UserPoolId"], GroupName=props["GroupName"])
    p.record(logical_id, props["GroupName"])


def _resource_server(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """An OAuth resource server and its scopes (client-credentials clients ask for `<identifier>/<scope>`)."""
    p.client("cognito-idp").create_resource_server(
        UserPoolId=props["UserPoolId"],
        Identifier=props["Identifier"],
        Name=props.get("Name", props["Identifier"]),
        Scopes=props.get("Scopes", []),
    )
    p.record(logical_id, f"{props['UserPoolId']}|{props['Identifier']}")


def _email_identity(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """An SES identity, verified at once (moto verifies on creation): functions may send from it, as in AWS."""
    identity = props["EmailIdentity"]
    p.client("sesv2").create_email_identity(EmailIdentity=identity)
    p.record(logical_id, identity)


def _function(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    name = physical_name(logical_id)
    p.record(logical_id, name, Arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")


def _role(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    """Named only, so a function's `Role: !GetAtt ...Arn` resolves: moto does not enforce IAM, nor does this cloud."""
    name = physical_name(logical_id)
    p.record(logical_id, name, Arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}")


def _http_api(p: Provisioner, logical_id: str, props: dict[str, Any]) -> None:
    p.record(logical_id, "local")


CREATORS: dict[str, Creator] = {
    "AWS::KMS::Key": _kms_key,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::DynamoDB::Table": _table,
    "AWS::S3::Bucket": _bucket,
    "AWS::SQS::Queue": _queue,
    "AWS::Events::EventBus": _event_bus,
    "AWS::Events::Rule": _event_rule,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Cognito::UserPoolGroup": _user_pool_group,
    "AWS::Cognito::UserPoolResourceServer": _resource_server,
    "AWS::SES::EmailIdentity": _email_identity,
    "AWS::Serverless::Function": _function,
    "AWS::IAM::Role": _role,
    "AWS::Serverless::HttpApi": _http_api,
}


def function_environment(stack: Stack, logical_id: str) -> dict[str, str]:
    """The environment the template gives a function: Globals first, then its own variables."""
    globals_env = stack.template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own_env = stack.resources[logical_id].get("Properties", {}).get("Environment", {}).get("Variables", {})
    merged = {**stack.resolve(globals_env), **stack.resolve(own_env)}
    return {key: str(value) for key, value in merged.items()}
