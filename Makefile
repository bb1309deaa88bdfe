# kubecommit: `make run` and `make test` do all the set-up a fresh machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE_DIR := clients/node
BUF := $(NODE_DIR)/node_modules/.bin/buf

GOOGLE_PROTOS := api/annotations.proto api/http.proto api/field_behavior.proto api/resource.proto \
                 api/client.proto api/launch_stage.proto rpc/status.proto rpc/error_details.proto \
                 rpc/code.proto
LISTEN ?= 127.0.0.1:50051
DATA_DIR ?= .data

.PHONY: setup postgres run test pytest lint breaking gen-check protos release-contract third_party node \
        descriptor envoy bench-store bench-versions bench-clusters bench-containers bench-jobs bench-crds bench-affinity bench-quotas bench-labels bench-backups bench clean \
        graphviz pictures image-check

setup: $(VENV)/.installed node third_party graphviz

# Graphviz's `dot` lays out the affinity graph (GetAffinityGraph's SVG): a system package,
# installed once when missing (Debian/Ubuntu; run as root or give apt-get its rights).
graphviz:
	@command -v dot >/dev/null || (apt-get update && apt-get install -y graphviz)

# The virtual environment, reinstalled when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Node packages: the example client and the buf CLI.
node: $(NODE_DIR)/node_modules/.installed
$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json
	cd $(NODE_DIR) && npm install --no-audit --no-fund --loglevel=error
	touch $@

# google/api and google/rpc protos come from the googleapis-common-protos wheel, not the repo.
third_party: $(VENV)/.installed
	@mkdir -p third_party/google/api third_party/google/rpc
	@for f in $(GOOGLE_PROTOS); do cp "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/google/$$f" third_party/google/$$f; done

protos: setup
	rm -rf gen/kubecommit
	$(BUF) generate
	find gen/kubecommit -type d -exec touch {}/__init__.py \;

# gen/ must match the protos: regenerate into a scratch folder and compare (bytecode caches that
# running the code leaves in gen/ are not part of it).
gen-check: setup
	rm -rf build/gen-check && mkdir -p build/gen-check
	$(BUF) generate --output build/gen-check
	find build/gen-check/gen/kubecommit -type d -exec touch {}/__init__.py \;
	diff -r --exclude=__pycache__ gen/kubecommit build/gen-check/gen/kubecommit \
	  || (echo "gen/ is stale: run 'make protos' and commit gen/" >&2; exit 1)

lint: setup
	$(BUF) lint
	$(BUF) format --diff --exit-code protos
	$(VENV)/bin/ruff check --no-cache .

# The released contract is protos/released.binpb, built from the shipped services listed in
# protos/released-services.txt; refresh it on purpose when a service ships. Files not in it (the
# services still being built) are new to `buf breaking` and may change freely.
RELEASED := $(addprefix protos/,$(shell grep -v '^\#' protos/released-services.txt))
breaking: setup
	$(BUF) breaking protos --against protos/released.binpb

release-contract: setup
	$(BUF) build $(addprefix --path ,$(RELEASED)) -o protos/released.binpb

# The descriptor set Envoy's transcoder reads (google/rpc included, so error bodies have details).
descriptor: setup
	@mkdir -p build
	$(BUF) build -o build/api.pb

# HTTP/JSON in front of a running server: make envoy GRPC=127.0.0.1:50051 HTTP_PORT=8080
GRPC ?= 127.0.0.1:50051
HTTP_PORT ?= 8080
envoy: descriptor
	sed -e 's|$${HTTP_HOST}|127.0.0.1|; s|$${HTTP_PORT}|$(HTTP_PORT)|; s|$${DESCRIPTOR}|$(CURDIR)/build/api.pb|' \
	    -e 's|$${GRPC_HOST}|$(firstword $(subst :, ,$(GRPC)))|; s|$${GRPC_PORT}|$(lastword $(subst :, ,$(GRPC)))|' \
	    deploy/envoy/envoy.yaml > build/envoy.yaml
	$(VENV)/bin/envoy -c build/envoy.yaml --disable-hot-restart --log-level warn

# PostgreSQL from Debian's packages for the tests of shared state (tests/support/postgres.py
# starts a throwaway server); installed once, loudly skipped where apt-get cannot install it.
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
	  (command -v apt-get >/dev/null && apt-get update && apt-get install -y postgresql) || \
	  echo "WARNING: PostgreSQL could not be installed: its tests will be skipped"

pytest: setup descriptor postgres
	$(PY) -m pytest -q -p no:cacheprovider

test: setup lint breaking gen-check pytest

run: setup
	$(VENV)/bin/kubecommit serve --demo --listen $(LISTEN) --data-dir $(DATA_DIR)

bench-store: setup
	$(PY) -m bench.store

bench-versions: setup
	$(PY) -m bench.versions

bench-clusters: setup
	$(PY) -m bench.clusters

bench-containers: setup
	$(PY) -m bench.containers

bench-jobs: setup
	$(PY) -m bench.jobs

bench-crds: setup
	$(PY) -m bench.crds

bench-affinity: setup
	$(PY) -m bench.affinity

bench-quotas: setup
	$(PY) -m bench.quotas

bench-labels: setup
	$(PY) -m bench.labels

bench-backups: setup
	$(PY) -m bench.backups

# Builds the container image and runs it as the manifests do (podman; docs/deploy.md). Not part
# of `make test`: it takes minutes and root, and needs no registry (a Debian base by debootstrap).
image-check: setup
	deploy/image/check.sh

# The docs' pictures (docs/pictures/*.dot -> .svg); tests/docs checks they are current.
pictures: graphviz
	for f in docs/pictures/*.dot; do dot -Tsvg "$$f" -o "$${f%.dot}.svg"; done

clean:
	rm -rf build third_party $(NODE_DIR)/node_modules
