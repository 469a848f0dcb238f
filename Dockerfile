# syntax=docker/dockerfile:1
# modelgate as a container: a GitLab `image:`, an Argo / Kubeflow / Vertex AI pipeline step,
# or a subprocess of a Metaflow `@step`. Multi-stage: a static musl binary (rustls, no
# OpenSSL), then a small non-root runtime with a shell (GitLab's `script:` needs one),
# CA certificates (HTTPS to GitHub, GitLab, MLflow) and a writable /tmp (MLflow downloads).
#
#   docker build -t modelgate .
#   docker run --rm -v "$PWD:/work" modelgate check --config modelgate.yaml
#
# The ENTRYPOINT/CMD below are exercised by tests/pipeline.rs against the test build when no
# container builder can run (see docs/pipelines.md).

ARG RUST_VERSION=1.95
ARG ALPINE_VERSION=3.22

FROM rust:${RUST_VERSION}-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
# `dist`: release, fat LTO, one codegen unit, stripped; musl links statically. The cache
# mounts keep the registry and polars' build between image builds (BuildKit).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --profile dist --bin modelgate \
 && cp target/dist/modelgate /modelgate \
 && /modelgate --version

FROM alpine:${ALPINE_VERSION}
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="modelgate" \
      org.opencontainers.image.description="A quality gate for ML models: paired metrics, statistics, a sticky PR comment, MLflow promotion" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0" \
      org.opencontainers.image.source="https://github.com/modelgate/modelgate" \
      org.opencontainers.image.documentation="https://github.com/modelgate/modelgate#in-ci-and-in-pipelines"
RUN apk add --no-cache ca-certificates \
 && adduser -D -H -u 10001 -s /sbin/nologin modelgate \
 && mkdir -p /work && chown modelgate /work
COPY --from=build /modelgate /usr/local/bin/modelgate
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/modelgate"]
CMD ["check", "--config", "modelgate.yaml"]
