# The orchestrator image: `retrain serve` (and every other subcommand).
# Build from the repository root:
#   docker build -f deploy/docker/server.Dockerfile -t retrain-server:latest .
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/bootstrap scripts/bootstrap
RUN apt-get update -qq && scripts/bootstrap && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DRETRAIN_BUILD_TESTS=OFF -DRETRAIN_BUILD_BENCH=OFF \
 && cmake --build /build --target retrain \
 && install -D -m 0755 "$(find /build -type f -name retrain -perm -u+x | head -n 1)" /out/retrain

FROM debian:bookworm-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      ca-certificates libyaml-cpp0.7 libsqlite3-0 libcurl4 libssl3 libfmt9 libspdlog1.10 \
      libxgboost0 libgomp1 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/retrain /usr/local/bin/retrain
COPY ml/config/mlflow_retraining.yaml /etc/retrain/mlflow_retraining.yaml
# A numeric non-root user, so that runAsNonRoot can be verified by the kubelet.
USER 65532:65532
ENV RETRAIN_DATA_DIR=/var/lib/retrain RETRAIN_LISTEN=0.0.0.0:8080
WORKDIR /var/lib/retrain
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/retrain"]
CMD ["serve", "--config", "/etc/retrain/mlflow_retraining.yaml"]
