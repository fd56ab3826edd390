"""The privacy center once deployed: web/ in a private bucket behind CloudFront, and sign-in through the Cognito
hosted UI back to it (template.yaml), all of it optional; and the local cloud, which serves web/ itself."""

import os
import re
import stat
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from localcloud.provision import Provisioner
from localcloud.template import Stack
from tests.support import ROOT

HOSTING = (
    "PrivacyCenterBucket",
    "PrivacyCenterBucketPolicy",
    "PrivacyCenterOriginAccessControl",
    "PrivacyCenterHeadersPolicy",
    "PrivacyCenterDistribution",
)
SIGN_IN = ("HostedUiDomain", "PrivacyCenterClient")


def deployed(**parameters: str) -> Stack:
    """The template as CloudFormation would read it with these parameters (the local cloud's own values aside)."""
    return Stack.from_template(overrides={"DeployPrivacyCenter": "true", **parameters})


def resource(stack: Stack, logical_id: str) -> dict[str, Any]:
    return stack.resources[logical_id]  # type: ignore[no-any-return]


def created(stack: Stack, logical_id: str) -> bool:
    condition = resource(stack, logical_id).get("Condition")
    return condition is None or stack.condition(condition)


def headers_policy(stack: Stack) -> dict[str, Any]:
    return resource(stack, "PrivacyCenterHeadersPolicy")["Properties"]["ResponseHeadersPolicyConfig"]  # type: ignore[no-any-return]


def csp(stack: Stack) -> dict[str, list[str]]:
    """The Content-Security-Policy as deployed, directive -> sources (the stack's names filled in)."""
    stack.physical_ids["HostedUiDomain"] = "privacy-local-123456789012"
    policy = stack.resolve(headers_policy(stack)["SecurityHeadersConfig"]["ContentSecurityPolicy"])
    directives = [part.split() for part in policy["ContentSecurityPolicy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


# ---------------------------------------------------------------- sign-in through the hosted UI
def test_the_hosted_ui_has_a_domain_on_the_stacks_user_pool():
    # Given the template with its defaults (the Cognito pool of the stack issues the tokens)
    stack = deployed()
    # Then a hosted UI domain exists on that pool, named after the stage unless a prefix is given
    domain = resource(stack, "HostedUiDomain")
    assert created(stack, "HostedUiDomain")
    assert domain["Properties"]["UserPoolId"] == {"Ref": "UserPool"}
    assert stack.resolve(domain["Properties"]["Domain"]) == "privacy-local-123456789012"
    named = deployed(HostedUiDomainPrefix="acme-privacy")
    assert named.resolve(resource(named, "HostedUiDomain")["Properties"]["Domain"]) == "acme-privacy"


def test_the_privacy_center_signs_in_with_the_code_flow_of_a_public_client():
    # Given the privacy center's app client
    client = resource(deployed(), "PrivacyCenterClient")["Properties"]
    # Then it is a browser client (no secret: PKCE protects the code) with the code flow and the OpenID scopes only
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]


def test_the_hosted_ui_returns_to_the_cloudfront_url_of_the_privacy_center_by_default():
    # Given the defaults (the stack hosts the privacy center)
    stack = deployed()
    stack.attributes["PrivacyCenterDistribution"] = {"DomainName": "d111.cloudfront.net"}
    # When the client's URLs are resolved
    client = resource(stack, "PrivacyCenterClient")["Properties"]
    # Then sign-in and sign-out come back to the distribution's URL
    assert stack.resolve(client["CallbackURLs"]) == ["https://d111.cloudfront.net/"]
    assert stack.resolve(client["LogoutURLs"]) == ["https://d111.cloudfront.net/"]


def test_the_hosted_ui_returns_to_the_privacy_center_url_when_given():
    # Given an adopter hosting the privacy center at its own URL
    stack = deployed(DeployPrivacyCenter="false", PrivacyCenterUrl="https://privacy.example.com/")
    # Then the hosted UI returns there
    client = resource(stack, "PrivacyCenterClient")["Properties"]
    assert (
        stack.resolve(client["CallbackURLs"]) == stack.resolve(client["LogoutURLs"]) == ["https://privacy.example.com/"]
    )
    assert created(stack, "PrivacyCenterClient")
    assert created(stack, "HostedUiDomain")


def test_the_api_accepts_the_privacy_centers_tokens():
    # Given the HTTP API's JWT authorizer
    stack = deployed()
    stack.physical_ids |= {"UserPool": "pool", "UserPoolClient": "web", "HostAppClient": "app"}
    stack.physical_ids["PrivacyCenterClient"] = "center"
    authorizer = stack.properties("HttpApi")["Auth"]["Authorizers"]["JwtAuthorizer"]
    # Then the privacy center's client is one of its audiences (access tokens carry it as client_id)
    assert authorizer["JwtConfiguration"]["audience"] == ["web", "app", "center"]


def test_an_external_issuer_gets_no_hosted_ui():
    # Given an adopter whose tokens come from another OpenID provider
    stack = deployed(JwtIssuer="https://login.example.com", JwtAudience="abc")
    # Then no Cognito hosted UI or client for it is made (the privacy center is still hosted)
    assert not any(created(stack, name) for name in SIGN_IN)
    assert all(created(stack, name) for name in HOSTING)


# ---------------------------------------------------------------- hosting web/
def test_the_bucket_of_web_is_private_encrypted_versioned_and_tls_only():
    # Given the bucket of web/ and its policy
    stack = deployed()
    bucket = resource(stack, "PrivacyCenterBucket")["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    # Then it is private, encrypted and versioned, and refuses plain HTTP
    statements = resource(stack, "PrivacyCenterBucketPolicy")["Properties"]["PolicyDocument"]["Statement"]
    deny = next(s for s in statements if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": False}}


def test_only_the_distribution_reads_the_bucket_through_origin_access_control():
    # Given the bucket's policy and the distribution
    stack = deployed()
    # Then the bucket's one reader is CloudFront on behalf of this distribution, which signs with origin access control
    statements = resource(stack, "PrivacyCenterBucketPolicy")["Properties"]["PolicyDocument"]["Statement"]
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert "PrivacyCenterDistribution" in str(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    config = resource(stack, "PrivacyCenterDistribution")["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["PrivacyCenterOriginAccessControl", "Id"]}
    oac = resource(stack, "PrivacyCenterOriginAccessControl")["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"]) == ("s3", "always")


def test_the_distribution_serves_the_privacy_center_over_https_with_security_headers():
    # Given the distribution
    stack = deployed()
    # Then it serves index.html at /, over HTTPS only, with HSTS, nosniff, no framing and a CSP
    config = resource(stack, "PrivacyCenterDistribution")["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] in ("https-only", "redirect-to-https")
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "PrivacyCenterHeadersPolicy"}
    security = headers_policy(stack)["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert security["ContentTypeOptions"]["Override"] is True
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert csp(stack)["frame-ancestors"] == ["'none'"]


class _Loads(HTMLParser):
    """What a page loads: script and stylesheet URLs, and whether it has inline scripts, styles or handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            (self.scripts.append(values["src"] or "") if values.get("src") else self.inline.append("<script>"))
        if tag == "style":
            self.inline.append("<style>")
        if tag == "link" and values.get("rel") == "stylesheet":
            self.styles.append(values.get("href") or "")
        self.inline += [f"{tag} {name}" for name, _ in attrs if name == "style" or name.startswith("on")]


def test_the_content_security_policy_allows_what_the_privacy_center_loads_and_nothing_more():
    # Given the privacy center's page and the policy it is served with
    page = _Loads()
    page.feed((ROOT / "web" / "index.html").read_text(encoding="utf-8"))
    policy = csp(deployed())
    # Then its scripts and styles are files of its own origin, with nothing inline the policy would block
    assert page.scripts
    assert page.styles
    assert all(not re.match(r"^(https?:)?//", url) for url in page.scripts + page.styles)
    assert page.inline == []
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == policy["style-src"] == ["'self'"]
    # And it may call only its API and the hosted UI (the token endpoint)
    assert policy["connect-src"] == [
        "'self'",
        "https://*.execute-api.us-east-1.amazonaws.com",
        "https://privacy-local-123456789012.auth.us-east-1.amazoncognito.com",
    ]


def test_the_hosting_can_be_turned_off_for_adopters_with_their_own():
    # Given an adopter who hosts web/ elsewhere and gives no URL
    stack = deployed(DeployPrivacyCenter="false")
    # Then nothing of the hosting, and no hosted-UI client without a page to return to, is made
    assert not any(created(stack, name) for name in HOSTING + SIGN_IN)
    outputs = stack.template["Outputs"]
    assert all(not stack.condition(outputs[name]["Condition"]) for name in outputs if "PrivacyCenter" in name)


# ---------------------------------------------------------------- the local cloud
def test_the_local_cloud_serves_web_itself_and_provisions_no_hosting():
    # Given the local cloud's stack, provisioned in moto
    with mock_aws():
        stack = Provisioner(Stack.from_template()).provision()
        # Then no bucket for web/ and no hosted-UI client exist: it serves web/ at / and signs in at /_local/login
        buckets = [b["Name"] for b in boto3.client("s3", region_name="us-east-1").list_buckets()["Buckets"]]
        assert sorted(buckets) == sorted(stack.physical_ids[name] for name in ("ExportsBucket", "AuditAnchorBucket"))
        assert not set(HOSTING + SIGN_IN) & set(stack.physical_ids)
        # And its authorizer accepts the two clients it has
        audience = stack.properties("HttpApi")["Auth"]["Authorizers"]["JwtAuthorizer"]["JwtConfiguration"]["audience"]
        assert audience == [stack.physical_ids["UserPoolClient"], stack.physical_ids["HostAppClient"]]


# ---------------------------------------------------------------- putting web/ into the bucket
OUTPUTS = {
    "ApiUrl": "https://api123.execute-api.eu-west-1.amazonaws.com",
    "PrivacyCenterBucketName": "web-bucket",
    "PrivacyCenterDistributionId": "E123",
    "PrivacyCenterUrl": "https://d111.cloudfront.net/",
    "HostedUiUrl": "https://privacy-local-1.auth.eu-west-1.amazoncognito.com",
    "PrivacyCenterClientId": "center-client",
}
FAKE_AWS = """#!/bin/sh
echo "$*" >> "$AWS_CALLS"
case "$*" in
  cloudformation*) query="$*"; for pair in {pairs}; do
      name="${{pair%%=*}}"; value="${{pair#*=}}"
      case "$query" in *"'$name'"*) echo "$value";; esac
    done;;
  s3\\ cp*) cp "$3" "$AWS_COPY";;
esac
"""


def test_make_deploy_web_uploads_web_with_a_config_for_the_stack_and_invalidates(tmp_path: Path):
    # Given the AWS CLI (a fake that answers the stack's outputs and records every call)
    pairs = " ".join(f"{name}={value}" for name, value in OUTPUTS.items())
    fake = tmp_path / "aws"
    fake.write_text(FAKE_AWS.format(pairs=pairs))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    calls, copy = tmp_path / "calls", tmp_path / "config.js"
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "AWS_CALLS": str(calls), "AWS_COPY": str(copy)}
    # When the privacy center is deployed
    subprocess.run(["make", "-s", "deploy-web", "STACK=privacy-rights-dev"], cwd=ROOT, env=env, check=True)
    # Then web/ is synced (not the demo page, not the local config), config.js names this stack, and CloudFront
    # serves the new files
    made = calls.read_text().splitlines()
    sync = next(call for call in made if call.startswith("s3 sync"))
    assert "s3://web-bucket/" in sync
    assert "--exclude config.js --exclude demo.html" in sync
    config = copy.read_text()
    for key in ("ApiUrl", "HostedUiUrl", "PrivacyCenterClientId", "PrivacyCenterUrl"):
        assert f'"{OUTPUTS[key]}"' in config
    assert any(call.startswith("cloudfront create-invalidation --distribution-id E123") for call in made)
    assert made[-1].startswith("cloudfront create-invalidation")


def test_make_deploy_web_refuses_a_stack_that_does_not_host_the_privacy_center(tmp_path: Path):
    # Given a stack deployed with DeployPrivacyCenter=false (no bucket or distribution among its outputs)
    hosting = ("PrivacyCenterBucketName", "PrivacyCenterDistributionId")
    pairs = " ".join(f"{name}={value}" for name, value in OUTPUTS.items() if name not in hosting)
    fake = tmp_path / "aws"
    fake.write_text(FAKE_AWS.format(pairs=pairs))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "calls"
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "AWS_CALLS": str(calls), "AWS_COPY": "/dev/null"}
    # When the privacy center is deployed to it
    answer = subprocess.run(["make", "-s", "deploy-web"], cwd=ROOT, env=env, capture_output=True, text=True)
    # Then it says why it uploads nothing
    assert answer.returncode != 0
    assert "DeployPrivacyCenter" in answer.stderr
    assert not any(call.startswith("s3 ") for call in calls.read_text().splitlines())
