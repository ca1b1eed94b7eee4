# pitchbox — the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/pitchbox/pitchbox/box.Version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
PREFIX ?= /usr/local
CONFIG ?=
DEB_VERSION ?= $(shell packaging/version.sh)

.PHONY: help run build test lint unit e2e hil fuzz bench install deps-run deps-test deb deb-test deps-deb deps-deb-test

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

run: deps-run build ## build and run the box (CONFIG=file, else built-in defaults)
	./bin/pitchbox run $(if $(CONFIG),--config $(CONFIG))

build: ## build bin/pitchbox
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/pitchbox ./cmd/pitchbox

test: deps-test lint unit e2e hil fuzz deb-test ## everything CI runs: lint, unit, end-to-end, in-VM, short fuzzing, packages

lint: ## gofmt, go vet, staticcheck, and the cgo-free arm64 build
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e/...
	$(GO) vet -tags hil ./hil/...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags e2e ./e2e/...
	$(GO) run $(STATICCHECK) -tags hil ./hil/...
	CGO_ENABLED=0 GOARCH=arm64 $(GO) build ./...

unit: ## unit tests (race detector on), and the kernel struct layouts on arm64 and arm
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run 'Allocate|TestDriftCorrection' ./...
	CGO_ENABLED=0 $(GO) test -count=1 ./audio/opus/ ./stream/srt/
	GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64-static -run 'UAPI|Layouts' ./v4l2/ ./display/
	GOARCH=arm $(GO) test -count=1 -exec qemu-arm-static -run 'UAPI|Layouts' ./v4l2/ ./display/

e2e: ## end-to-end tests against nginx-rtmp, ffmpeg and zbarimg
	$(GO) test -tags e2e -count=1 -timeout 15m -v ./e2e/ 2>&1 | grep -Ev '^=== (RUN|PAUSE|CONT)'; exit $${PIPESTATUS[0]}

hil: ## in-VM tests against real kernel drivers (QEMU rig, see hil/rig.sh)
	bash hil/rig.sh

fuzz: ## run each fuzz target briefly
# Budgets are counts of runs (about 10 s each on 2 cores), not durations: a
# duration races Go 1.26's fuzz coordinator, which then fails with "context
# deadline exceeded" and no crashing input (go.dev/issue/75804).
	$(GO) test -run '^$$' -fuzz '^FuzzAppendAVCC$$' -fuzztime 500000x ./encode/h264/
	$(GO) test -run '^$$' -fuzz '^FuzzFrame$$' -fuzztime 250000x ./chat/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 150000x -fuzzminimizetime 2s ./config/
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 300000x -fuzzminimizetime 2s ./frame/mjpeg/
	$(GO) test -run '^$$' -fuzz '^FuzzPutConfig$$' -fuzztime 7000x -fuzzminimizetime 2s ./panel/
	$(GO) test -run '^$$' -fuzz '^FuzzUpload$$' -fuzztime 50000x -fuzzminimizetime 2s ./panel/

deb: deps-deb ## build dist/pitchbox_VERSION_{amd64,arm64,armhf}.deb (nfpm; arm cross-built against Debian's arm libraries)
	VERSION=$(VERSION) DEB_VERSION=$(DEB_VERSION) GO=$(GO) packaging/deb.sh

deb-test: deps-deb-test deb ## lint the packages, run the arm ones under qemu-user, install, remove and purge the amd64 one (root)
	VERSION=$(VERSION) DEB_VERSION=$(DEB_VERSION) packaging/test.sh

bench: deps-test ## hot-path benchmarks (allocs/op) and CPU against ffmpeg
	$(GO) test -run '^$$' -bench . -benchmem ./overlay/... ./frame/... ./encode/... ./audio/... ./display/...
	$(GO) test -run '^$$' -bench PressToPicture -benchtime 100x ./buttons/
	$(GO) run ./e2e/jpegbench
	$(GO) run ./e2e/cpubench

install: build ## install binary, systemd unit, udev rules, sysusers/tmpfiles snippets and example config
	install -D -m 0755 bin/pitchbox $(DESTDIR)$(PREFIX)/bin/pitchbox
	install -D -m 0644 systemd/pitchbox.service $(DESTDIR)/etc/systemd/system/pitchbox.service
	install -D -m 0644 systemd/pitchbox.sysusers $(DESTDIR)/usr/lib/sysusers.d/pitchbox.conf
	install -D -m 0644 systemd/pitchbox.tmpfiles $(DESTDIR)/usr/lib/tmpfiles.d/pitchbox.conf
	install -D -m 0644 systemd/60-pitchbox.rules $(DESTDIR)/usr/lib/udev/rules.d/60-pitchbox.rules
	@# The user pitchbox and the group gpio, then /dev/gpiochip* for gpio.
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then systemd-sysusers /usr/lib/sysusers.d/pitchbox.conf; fi
	@if [ -z "$(DESTDIR)" ] && command -v udevadm >/dev/null; then \
	  udevadm control --reload 2>/dev/null && udevadm trigger --subsystem-match=gpio --action=change 2>/dev/null || true; fi
	@if [ ! -e $(DESTDIR)/etc/pitchbox/pitchbox.toml ]; then \
	  install -D -m 0640 pitchbox.example.toml $(DESTDIR)/etc/pitchbox/pitchbox.toml; \
	  echo "installed /etc/pitchbox/pitchbox.toml (edit it or use the web panel, then: systemctl enable --now pitchbox)"; \
	else echo "kept the existing /etc/pitchbox/pitchbox.toml"; fi
	@# The panel saves settings there (a temporary file, then a rename).
	@chmod 0750 $(DESTDIR)/etc/pitchbox
	@if getent passwd pitchbox >/dev/null; then chown -R pitchbox:pitchbox $(DESTDIR)/etc/pitchbox; fi
	@if [ -z "$(DESTDIR)" ] && command -v systemd-tmpfiles >/dev/null; then systemd-tmpfiles --create /usr/lib/tmpfiles.d/pitchbox.conf; fi
	@# A unit changed by this install (Type=notify, the watchdog) is read again; nothing is started.
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

deps-run:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test
	@scripts/axe.sh
	@scripts/ivs-player.sh

deps-deb:
	@scripts/deps.sh deb

deps-deb-test:
	@scripts/deps.sh deb-test
