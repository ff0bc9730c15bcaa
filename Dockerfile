# rxmsg in a container: slim Python, a non-root user, patient data on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RXMSG_DATA_DIR=/data \
    RXMSG_CONFIG_FILE=/data/config.toml \
    TERM=xterm-256color

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin rxmsg \
    && mkdir -p /data && chown rxmsg:rxmsg /data && chmod 0700 /data

WORKDIR /opt/rxmsg
COPY pyproject.toml README.md ./
COPY rxmsg_tui ./rxmsg_tui
RUN pip install . && rm -rf /opt/rxmsg/build

USER rxmsg
VOLUME ["/data"]
ENTRYPOINT ["rxmsg"]
