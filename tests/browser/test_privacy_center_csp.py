"""The privacy center under the Content-Security-Policy CloudFront serves it with (template.yaml): the page must
work with nothing blocked, or the deployed privacy center would be broken where the local one is not."""

import uuid

from playwright.sync_api import expect

from localcloud.template import Stack

VIOLATIONS = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def deployed_policy() -> str:
    """The policy as deployed; the local cloud serves the page and the API from one origin, which 'self' covers."""
    stack = Stack.from_template(overrides={"DeployPrivacyCenter": "true"})
    stack.physical_ids["HostedUiDomain"] = "privacy-local-123456789012"
    config = stack.resources["PrivacyCenterHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    return str(stack.resolve(config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]))


def test_the_privacy_center_works_under_its_deployed_content_security_policy(page, cloud, screenshot):
    # Given the privacy center served with the deployed policy
    policy = deployed_policy()
    page.context.add_init_script(VIOLATIONS)

    def with_policy(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    page.route(lambda url: url.split("?")[0].rstrip("/") in (cloud.url, f"{cloud.url}/index.html"), with_policy)
    # When a user signs in and changes a consent
    page.goto("/")
    page.get_by_label("Username").fill(f"csp-{uuid.uuid4().hex[:10]}")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("checkbox", name="Usage analytics").check()
    page.get_by_role("button", name="Save my consents").click()
    expect(page.get_by_role("status").first).to_contain_text("Your consents are saved")
    screenshot(page)
    # Then the policy blocked nothing, and the page's own stylesheet applied
    assert page.evaluate("window.cspViolations") == []
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == "absolute"
