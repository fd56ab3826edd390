"""Several products in one account and region: every name the template gives a resource, that must be unique in
the account or region, derives from the stack name, so `imind-prod` and `mindomo-prod` deploy side by side."""

from typing import Any

from localcloud.template import Stack

# Properties that name a resource account- or region-wide (CloudFormation refuses a second stack using the same).
UNIQUE_NAMES: dict[str, tuple[str, ...]] = {
    "AWS::Events::EventBus": ("Name",),
    "AWS::Events::Rule": ("Name",),
    "AWS::Cognito::UserPoolDomain": ("Domain",),
    "AWS::Cognito::UserPool": ("UserPoolName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::CloudFront::ResponseHeadersPolicy": ("ResponseHeadersPolicyConfig.Name",),
    "AWS::CloudFront::OriginAccessControl": ("OriginAccessControlConfig.Name",),
    "AWS::CloudFront::CachePolicy": ("CachePolicyConfig.Name",),
    "AWS::CloudFront::Function": ("Name",),
    "AWS::DynamoDB::Table": ("TableName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::IAM::Role": ("RoleName",),
    "AWS::KMS::Alias": ("AliasName",),
    "AWS::SecretsManager::Secret": ("Name",),
    "AWS::Serverless::Function": ("FunctionName",),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::CloudWatch::Alarm": ("AlarmName",),
    "AWS::Scheduler::Schedule": ("Name",),
}
# Names unique only inside another resource of the same stack (a pool, an API), or that name another resource:
# no collision possible.
SCOPED_NAMES = {
    ("AWS::CloudWatch::Alarm", "MetricName"),
    ("AWS::Events::Rule", "EventBusName"),
    ("AWS::Cognito::UserPoolGroup", "GroupName"),
    ("AWS::Cognito::UserPoolResourceServer", "Name"),
    ("AWS::Cognito::UserPoolClient", "ClientName"),
    ("AWS::Serverless::HttpApi", "StageName"),
    ("AWS::Lambda::Permission", "FunctionName"),  # names the function it applies to, not itself
}


def _at(properties: dict[str, Any], path: str) -> Any:
    value: Any = properties
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def physical_names(stack_name: str) -> dict[tuple[str, str], str]:
    stack = Stack.from_template(overrides={"DeployPrivacyCenter": "true"}, stack_name=stack_name)
    names = {}
    for logical_id, resource in stack.resources.items():
        for path in UNIQUE_NAMES.get(resource["Type"], ()):
            given = _at(resource.get("Properties", {}), path)
            if given is not None:
                names[(logical_id, path)] = str(stack.resolve(given))
    return names


def test_two_products_in_one_account_and_region_share_no_physical_name():
    imind, mindomo = physical_names("imind-prod"), physical_names("mindomo-prod")
    assert imind, "the template names no resource: nothing to check"
    assert set(imind.values()).isdisjoint(mindomo.values())
    for key, name in imind.items():
        assert "imind-prod" in name, f"{key} is named {name!r}, which does not derive from the stack name"


def test_every_name_property_of_the_template_is_classified():
    """A new named resource must be added to UNIQUE_NAMES (and derive from the stack) or shown to be scoped."""
    stack = Stack.from_template()
    for resource in stack.resources.values():
        kind = resource["Type"]
        for key in resource.get("Properties", {}):
            if key.endswith("Name") or key == "Domain":
                assert key in UNIQUE_NAMES.get(kind, ()) or (kind, key) in SCOPED_NAMES, f"{kind}.{key}"


def test_a_second_product_can_reuse_the_accounts_parental_mail_identity_instead_of_colliding_on_it():
    # Given one product that created the SES identity of the sender, and a second one with the same sender
    sender = {"ParentalMailSender": "privacy@group.example"}
    first = Stack.from_template(overrides=sender, stack_name="imind-prod")
    second = Stack.from_template(overrides={**sender, "CreateParentalMailIdentity": "false"}, stack_name="mindomo-prod")
    # Then only the first creates the identity (SES names it by the address: a second would collide)
    assert first.created("ParentalMailIdentity")
    assert not second.created("ParentalMailIdentity")
    # And the second's minors function may still send from that identity, and from nothing else
    statements = [
        statement
        for policy in second.resources["MinorsApiFunction"]["Properties"]["Policies"]
        if isinstance(policy, dict) and "Statement" in policy
        for statement in policy["Statement"]
        if statement.get("Sid") == "MailParentsFromTheSenderIdentityOnly"
    ]
    assert [second.resolve(statement["Resource"]) for statement in statements] == [
        "arn:aws:ses:us-east-1:123456789012:identity/privacy@group.example"
    ]
