# govapp — make run (embedded profile, nothing but Go needed), make test.
GO        ?= go
BIN       := bin/govapp
PKGS      := ./...
TEST_FLAGS ?= -race -count=1 -timeout 20m

.PHONY: run build test test-fast lint bench clean

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/govapp

# Build, migrate, seed (idempotent: staff passwords are printed once, on the first run), serve on :8080.
run: build
	@$(BIN) migrate
	@$(BIN) seed
	@echo ""
	@echo "  API      http://localhost:8080/api/v1   (健康检查 /healthz、/readyz)"
	@echo "  文档     http://localhost:8080/docs      OpenAPI: http://localhost:8080/openapi.json"
	@echo "  控制台   http://localhost:8080/console/"
	@echo "  开发登录 curl -X POST localhost:8080/api/v1/auth/dev/login -d '{\"openid\":\"o-test-1\",\"phone\":\"13800138000\"}'"
	@echo ""
	@$(BIN) serve

# The whole suite on the embedded profile; with GOVAPP_TEST_POSTGRES_URL and
# GOVAPP_TEST_REDIS_URL set, the store and cache suites also run on those servers.
# The push fan-out test through the fake WeChat runs with its full 100,000
# recipients once more without the race detector (which slows it twentyfold);
# under -race the fan-out tests use 5,000.
# The suite runs with -json through internal/tools/testsummary, which prints
# what a plain run would and ends with the skipped tests and their reasons
# (no PostgreSQL, no Redis, no Chromium); pipefail keeps a failure failing.
test:
	$(GO) vet $(PKGS)
	$(GO) build -o bin/testsummary ./internal/tools/testsummary
	GOVAPP_TEST_FANOUT=100000 $(GO) test -count=1 -timeout 20m -run 'TestFanoutThroughFakeWeChat' ./app
	bash -o pipefail -c '$(GO) test -json $(TEST_FLAGS) $(PKGS) | bin/testsummary -postgres="$$GOVAPP_TEST_POSTGRES_URL" -redis="$$GOVAPP_TEST_REDIS_URL"'

# The edit–test loop: no race detector, -short (the fan-outs, fault
# injection, the hostile walk, the browser and process tests skip — make test
# runs them), the same skip summary at the end. Under 2 minutes on 2 cores.
test-fast:
	$(GO) build -o bin/testsummary ./internal/tools/testsummary
	bash -o pipefail -c '$(GO) test -json -short -count=1 $(PKGS) | bin/testsummary -postgres="$$GOVAPP_TEST_POSTGRES_URL" -redis="$$GOVAPP_TEST_REDIS_URL"'

# gofmt, go vet and golangci-lint at a pinned version (.golangci.yml), installed
# with go install when missing or at another version.
GOLANGCI_VERSION := v2.15.0
GOLANGCI := $(shell $(GO) env GOPATH)/bin/golangci-lint
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@$(GOLANGCI) version 2>/dev/null | grep -q " $(GOLANGCI_VERSION:v%=%) " || $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	$(GOLANGCI) run $(PKGS)

# The performance benchmarks of SPEC §10 (cmd/govbench), printed as a table; a failed bar fails
# the target. With GOVAPP_TEST_POSTGRES_URL and GOVAPP_TEST_REDIS_URL set, the production profile runs too.
bench:
	$(GO) run ./cmd/govbench

clean:
	rm -rf bin
