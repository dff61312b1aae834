# syntax=docker/dockerfile:1
# The hub's image: one image for every role (`hub intake`, `hub router`, `hub connector`,
# `hub tracker`, ...). Runs as UID 10001 with a read-only root filesystem: everything it
# writes goes to /var/lib/hub (data, blobs, drop directories) and /tmp, both mounted.

# --- XRechnung validation rules (KoSIT configuration), fetched with Maven at build time
FROM maven:3.9.11-eclipse-temurin-17 AS rules
WORKDIR /src
COPY scripts/ scripts/
RUN bash scripts/xrechnung.sh fetch

# --- a wheel of the project, installed with its dependencies into a venv
FROM python:3.11.14-slim-trixie AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hub/ hub/
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install /wheels/*.whl

# --- runtime: the venv, fonts and pango for PDF rendering (WeasyPrint), no build tools
FROM python:3.11.14-slim-trixie
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
        fonts-dejavu-core fonts-liberation2 shared-mime-info \
    && rm -rf /var/lib/apt/lists/* \
    && fc-cache -f \
    && groupadd --system --gid 10001 hub \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/hub --no-create-home \
        --shell /usr/sbin/nologin hub \
    && install -d -o 10001 -g 10001 /var/lib/hub
COPY --from=builder /opt/venv /opt/venv
COPY --from=rules /src/.cache/xrechnung /opt/hub/xrechnung
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/var/lib/hub \
    TMPDIR=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    HUB_XRECHNUNG_RULES_DIR=/opt/hub/xrechnung \
    HUB_CONFIG_DIR=/etc/hub/config \
    HUB_DATA_DIR=/var/lib/hub/data \
    HUB_BLOB_DIR=/var/lib/hub/shared/blobs \
    HUB_INTAKE_HOST=0.0.0.0 \
    HUB_WEB_HOST=0.0.0.0 \
    HUB_LOG_FORMAT=json
WORKDIR /var/lib/hub
USER 10001:10001
EXPOSE 8080 6066
ENTRYPOINT ["hub"]
CMD ["--help"]
