"""The privacy center once deployed: web/ in a private bucket behind CloudFront, and sign-in through the Cognito
hosted UI back to it (template.yaml), all of it optional; and the local cloud, which serves web/ itself."""

import json
import os
import re
import shutil
import stat
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud.provision import Provisioner
from localcloud.template import Stack
from tests.support import ROOT

HOSTING = (
    "PrivacyCenterBucket",
    "PrivacyCenterBucketPolicy",
    "PrivacyCenterOriginAccessControl",
    "PrivacyCenterHeadersPolicy",
    "PrivacyCenterIndexPages",
    "PrivacyCenterDistribution",
)
PAGES = ("index.html", "admin/index.html")  # the privacy center and the operator console
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
    # Then sign-in and sign-out come back to the distribution's URL: the privacy center, or the operator console
    pages = ["https://d111.cloudfront.net/", "https://d111.cloudfront.net/admin/"]
    assert stack.resolve(client["CallbackURLs"]) == pages
    assert stack.resolve(client["LogoutURLs"]) == pages
    assert stack.resolve(stack.template["Outputs"]["OperatorConsoleUrl"]["Value"]) == pages[1]


def test_the_hosted_ui_returns_to_the_privacy_center_url_when_given():
    # Given an adopter hosting the privacy center at its own URL
    stack = deployed(DeployPrivacyCenter="false", PrivacyCenterUrl="https://privacy.example.com/")
    # Then the hosted UI returns there, or to the operator console under it
    client = resource(stack, "PrivacyCenterClient")["Properties"]
    pages = ["https://privacy.example.com/", "https://privacy.example.com/admin/"]
    assert stack.resolve(client["CallbackURLs"]) == stack.resolve(client["LogoutURLs"]) == pages
    assert created(stack, "PrivacyCenterClient")
    assert created(stack, "HostedUiDomain")


def test_the_privacy_center_url_is_a_folder_so_the_console_under_it_has_a_url():
    # Given the parameter's pattern (the operator console's URL is the privacy center's + "admin/")
    pattern = re.compile(deployed().template["Parameters"]["PrivacyCenterUrl"]["AllowedPattern"])
    # Then a URL ending in / is accepted, and one CloudFormation would turn into ".../privacyadmin/" is refused
    assert all(pattern.fullmatch(url) for url in ("", "https://privacy.example.com/", "http://localhost:3000/"))
    assert all(pattern.fullmatch(url) for url in ("https://example.com/privacy/", "http://localhost/web/"))
    assert not any(pattern.fullmatch(url) for url in ("https://example.com/privacy", "http://localhost:3000/x"))


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


@pytest.mark.parametrize("path", PAGES)
def test_the_content_security_policy_allows_what_the_page_loads_and_nothing_more(path):
    # Given the page (the privacy center, the operator console) and the policy it is served with
    page = _Loads()
    page.feed((ROOT / "web" / path).read_text(encoding="utf-8"))
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


def _viewer_request(code: str, uri: str) -> dict[str, Any]:
    """What the CloudFront function answers for a viewer's request of `uri`, run by node (the same ECMAScript)."""
    script = f"{code}\nconsole.log(JSON.stringify(handler({{request: {{uri: {json.dumps(uri)}, headers: {{}}}}}})));"
    answer = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(answer.stdout)  # type: ignore[no-any-return]


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront function (npm's node)")
def test_the_distribution_serves_the_operator_console_at_admin():
    # Given the distribution's viewer-request function (CloudFront's default root object covers / only)
    stack = deployed()
    behaviour = resource(stack, "PrivacyCenterDistribution")["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    (association,) = behaviour["FunctionAssociations"]
    assert association == {
        "EventType": "viewer-request",
        "FunctionARN": {"Fn::GetAtt": ["PrivacyCenterIndexPages", "FunctionARN"]},
    }
    function = resource(stack, "PrivacyCenterIndexPages")["Properties"]
    assert function["AutoPublish"] is True
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    code = function["FunctionCode"]
    # Then /admin/ is the console's index page, /admin is sent to /admin/, and files are left as they are
    assert _viewer_request(code, "/admin/")["uri"] == "/admin/index.html"
    redirect = _viewer_request(code, "/admin")
    assert (redirect["statusCode"], redirect["headers"]["location"]["value"]) == (301, "/admin/")
    assert _viewer_request(code, "/admin/console.js")["uri"] == "/admin/console.js"
    assert _viewer_request(code, "/")["uri"] == "/index.html"
    assert _viewer_request(code, "/config.js")["uri"] == "/config.js"
    # And the console gets the privacy center's security headers: one behaviour, one response headers policy
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "PrivacyCenterHeadersPolicy"}
    assert "CacheBehaviors" not in resource(stack, "PrivacyCenterDistribution")["Properties"]["DistributionConfig"]


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
