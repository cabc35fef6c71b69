# govapp production image: one static binary on distroless, running as non-root.
#
#   docker build -t govapp .
#   docker run --rm -p 8080:8080 \
#     -e GOVAPP_DATABASE_URL=... -e GOVAPP_REDIS_URL=... -e GOVAPP_SECRET_KEY=... \
#     -e GOVAPP_WECHAT_MP_APPID=... -e GOVAPP_WECHAT_MP_SECRET=... govapp
#
# The same image runs every role: `serve` (default), `worker`, `migrate`,
# `seed`, `create-staff`. Secrets come only from the environment; a YAML file
# can be mounted and named with GOVAPP_CONFIG (the files of configs/ are
# copied to /configs for reference).
#
# Build arguments (all optional):
#   GO_IMAGE / RUNTIME_IMAGE  base images, e.g. to use a registry mirror
#   GOPROXY                   Go module proxy, e.g. https://goproxy.cn,direct

ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

# ---------------------------------------------------------------- build
FROM ${GO_IMAGE} AS build
ARG GOPROXY
ENV CGO_ENABLED=0 \
    GOPROXY=${GOPROXY}
WORKDIR /src

# Modules in their own layer: rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags='-s -w' -o /out/govapp ./cmd/govapp \
 && mkdir -p /out/data

# ---------------------------------------------------------------- runtime
FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="govapp" \
      org.opencontainers.image.description="City government WeChat mini-program backend"

COPY --from=build /out/govapp /govapp
COPY configs/ /configs/
# Writable data directory for the non-root user (distroless has no shell to mkdir).
COPY --from=build --chown=65532:65532 /out/data /data

ENV GOVAPP_PROFILE=production \
    GOVAPP_DATA_DIR=/data
WORKDIR /data
USER 65532:65532
EXPOSE 8080

# distroless has no shell or curl: the binary checks itself
# (GET http://127.0.0.1:8080/healthz, exit 0 on 200).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/govapp", "healthcheck"]

ENTRYPOINT ["/govapp"]
CMD ["serve"]
