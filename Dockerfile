# rxmsg in a container: a slim Python, a non-root user (uid 10001), patient data on a volume.
#
# The base image is pinned to a patch release; pin it by digest as well where
# your registry is reachable (`docker buildx imagetools inspect python:3.11.14-slim-bookworm`).
# Python packages come from requirements/runtime.txt, the exact versions the
# tests passed with, so a rebuild months later installs the same code.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements/runtime.txt requirements/runtime.txt
RUN python3 -m venv /opt/rxmsg \
    && /opt/rxmsg/bin/pip install --quiet -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY rxmsg_tui ./rxmsg_tui
# Installed as a wheel into the venv: neither the source tree nor egg-info reach the image.
RUN /opt/rxmsg/bin/pip install --quiet --no-deps -c requirements/runtime.txt . \
    && /opt/rxmsg/bin/python -m compileall -q /opt/rxmsg/lib

FROM ${PYTHON_IMAGE}
# tini as PID 1: signals reach rxmsg, and `rxmsg serve`'s finished sessions are reaped.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 rxmsg \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /data \
        --shell /usr/sbin/nologin rxmsg \
    && mkdir -p /data && chown 10001:10001 /data && chmod 0700 /data
COPY --from=build /opt/rxmsg /opt/rxmsg
ENV PATH=/opt/rxmsg/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RXMSG_DATA_DIR=/data \
    RXMSG_CONFIG_FILE=/data/config.toml \
    TERM=xterm-256color
# A number, not a name, so Kubernetes' runAsNonRoot can check it.
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# For `daemon` (the scheduler must keep renewing its lease) and any command's database;
# for `serve` add `--health-cmd "rxmsg health --url http://127.0.0.1:PORT/"`.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["rxmsg", "health"]
ENTRYPOINT ["tini", "--", "rxmsg"]
