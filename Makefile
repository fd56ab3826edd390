# Two commands on a fresh machine: `make run` and `make test`. Everything else is installed on demand.
# The functions run python3.13: the first interpreter of that version found on PATH, in pyenv, or Debian's.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach candidate,$(shell command -v python3.13 2>/dev/null) \
	$(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) /usr/bin/python3.13 /usr/local/bin/python3.13,\
	$(shell $(candidate) -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null && echo $(candidate))))
endif
IS_313 := -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))'
NEED_PYTHON = @test -n "$(PYTHON)" || { echo "make: python3.13 is needed (apt-get install python3.13-venv, or pyenv install 3.13)" >&2; exit 1; }
VENV := .venv
PY := $(VENV)/bin/python
SAM := .venv-sam/bin/sam
PORT ?= 3000
POLICY ?= imind
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: run test lint typecheck template-lint scan pytest unit integration e2e openapi bench package deploy-web clean

$(VENV)/.installed: requirements-dev.txt src/requirements.txt
	$(NEED_PYTHON)
	$(PY) $(IS_313) 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }  # a venv of another Python is made anew
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# axe-core for the browser tests' accessibility checks (tests/browser/axe.py), pinned in package.json. Without npm
# the browser tests that run axe are skipped, or fail under REQUIRE_BROWSER=1 (CI).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then \
	    npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "make: npm not found: the axe-core checks of the browser tests will not run" >&2; fi

.venv-sam/.installed: requirements-sam.txt
	$(NEED_PYTHON)
	.venv-sam/bin/python $(IS_313) 2>/dev/null || { rm -rf .venv-sam && $(PYTHON) -m venv .venv-sam; }  # a venv of another Python is made anew
	.venv-sam/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-sam.txt
	touch $@

.venv-scan/.installed: requirements-scan.txt
	$(NEED_PYTHON)
	.venv-scan/bin/python $(IS_313) 2>/dev/null || { rm -rf .venv-scan && $(PYTHON) -m venv .venv-scan; }  # a venv of another Python is made anew
	.venv-scan/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-scan.txt
	touch $@

run: $(VENV)/.installed  ## the local cloud on http://127.0.0.1:$(PORT), under the policy POLICY (imind)
	$(PY) -m localcloud --port $(PORT) --policy $(POLICY)

test: lint typecheck template-lint scan pytest  ## every check CI runs

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src localcloud tests bench
	$(VENV)/bin/ruff format --check src localcloud tests bench

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy src

template-lint: $(VENV)/.installed .venv-sam/.installed
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint --region $(AWS_DEFAULT_REGION) --template-file template.yaml

# Zero findings: every accepted one is skipped where it lives, with its reason (template Metadata, pyproject).
scan: $(VENV)/.installed .venv-scan/.installed  ## checkov on the template, bandit on src
	.venv-scan/bin/checkov -f template.yaml --framework cloudformation --quiet --compact --skip-download
	$(VENV)/bin/bandit -q -r src -c pyproject.toml

pytest: $(VENV)/.installed node_modules/.installed
	$(PY) -m pytest -n 2 --dist loadgroup

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit

openapi: $(VENV)/.installed  ## regenerate docs/openapi.json from the route definitions
	PYTHONPATH=src $(PY) -m api.openapi_export docs/openapi.json

package: .venv-sam/.installed  ## every function built as `sam build` builds it (arm64, cp313, bytecode) in .aws-sam/build
	$(SAM) build --parallel --region $(AWS_DEFAULT_REGION)

bench: $(VENV)/.installed  ## benchmarks with floors measured in the same run (not part of make test)
	for script in bench/bench_*.py; do PYTHONPATH=src:. $(PY) $$script || exit 1; done

# web/ into the privacy center's bucket, with a config.js naming this stack's API and hosted UI, then CloudFront
# serves the new files. After `sam deploy` (DeployPrivacyCenter=true); needs the AWS CLI.
STACK ?= privacy-rights-dev
REGION ?= eu-west-1
deploy-web:  ## upload web/ to the stack's privacy center (make deploy-web STACK=... REGION=...)
	@out() { aws cloudformation describe-stacks --region $(REGION) --stack-name $(STACK) \
	    --query "Stacks[0].Outputs[?OutputKey=='$$1'].OutputValue" --output text | sed 's/^None$$//'; }; \
	set -e; \
	bucket=$$(out PrivacyCenterBucketName); distribution=$$(out PrivacyCenterDistributionId); \
	if [ -z "$$bucket" ] || [ -z "$$distribution" ]; then \
	    echo "$(STACK) does not host the privacy center (DeployPrivacyCenter=false?): nothing to upload" >&2; exit 1; fi; \
	url=$$(out PrivacyCenterUrl); config=$$(mktemp); \
	printf 'window.PRIVACY_CENTER_CONFIG = {\n  apiUrl: "%s",\n  cognitoDomain: "%s",\n  clientId: "%s",\n  redirectUri: "%s",\n};\n' \
	    "$$(out ApiUrl)" "$$(out HostedUiUrl)" "$$(out PrivacyCenterClientId)" "$$url" > "$$config"; \
	aws s3 sync web/ "s3://$$bucket/" --region $(REGION) --delete --cache-control no-cache \
	    --exclude config.js --exclude demo.html; \
	aws s3 cp "$$config" "s3://$$bucket/config.js" --region $(REGION) --cache-control no-cache \
	    --content-type application/javascript; \
	rm -f "$$config"; \
	aws cloudfront create-invalidation --distribution-id "$$distribution" --paths "/*" >/dev/null; \
	echo "privacy center: $$url"

clean:
	rm -rf $(VENV) .venv-sam .venv-scan .mypy_cache .ruff_cache .hypothesis test-output node_modules
