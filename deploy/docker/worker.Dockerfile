# The worker image that Kubernetes Jobs run (RETRAINING_IMAGE): `retrain worker`, the reference
# trainer. It reads its job from the environment (MODEL_ID, RETRAINING_JOB_ID, DATA_WINDOW_*,
# MLFLOW_*, RETRAINING_CALLBACK_URL and RETRAINING_CALLBACK_TOKEN from the job's Secret) and
# writes only under /tmp (an emptyDir; the root filesystem is read-only).
# Build from the repository root:
#   docker build -f deploy/docker/worker.Dockerfile -t retrain-worker:latest .
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
USER 65532:65532
ENV HOME=/tmp TMPDIR=/tmp
WORKDIR /tmp
ENTRYPOINT ["/usr/local/bin/retrain"]
CMD ["worker"]
