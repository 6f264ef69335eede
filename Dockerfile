# syntax=docker/dockerfile:1
#
# The readiness API: `readiness serve` as a non-root user on a read-only root
# filesystem (only /tmp is written). Build: `docker build -t readiness .`
#
# Stage 1 builds wheels for the project and its runtime dependencies from
# pyproject.toml; stage 2 installs them, and nothing else, into a slim image.
# No dev dependencies and no `embedded` extra: production runs real MongoDB
# (MONGODB_URI), never the embedded database.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
# One wheel for the project plus one per runtime dependency, as pyproject.toml declares them.
RUN python -m pip wheel --no-cache-dir --wheel-dir=/wheels .


FROM ${PYTHON_IMAGE} AS runtime

# HOME and TMPDIR point at /tmp, the only writable path (an emptyDir in Kubernetes).
# Bytecode is compiled at install time, so nothing needs to write .pyc files later.
# FRAMEWORKS_DIR: the catalog shipped in the image (the installed package cannot find it).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONFAULTHANDLER=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    HOME=/tmp \
    TMPDIR=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    ENVIRONMENT=production \
    FRAMEWORKS_DIR=/app/frameworks \
    DATA_DIR=/tmp/data \
    WEB_CONCURRENCY=1

# WeasyPrint lays out the PDF report with Pango, in the DejaVu fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0=1.50.12+ds-1 \
        libpangoft2-1.0-0=1.50.12+ds-1 \
        fonts-dejavu-core=2.37-6 \
    && rm -rf /var/lib/apt/lists/*

# A numeric UID, so Kubernetes can check runAsNonRoot without reading /etc/passwd.
RUN groupadd --system --gid 10001 readiness \
    && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home \
        --shell /usr/sbin/nologin readiness

# Installed from the wheels only: the same distribution, at the same dependency
# constraints, that `pip install .` gives the test environment.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-cache-dir --no-index --find-links=/wheels --compile \
        /wheels/readiness-*.whl

WORKDIR /app
COPY frameworks ./frameworks
COPY schema ./schema

USER 10001:10001

EXPOSE 8000

# slim has no curl: ask /healthz with the interpreter the service runs on.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# Workers: WEB_CONCURRENCY (read by the service's settings) unless --workers is given.
ENTRYPOINT ["readiness", "serve"]
CMD ["--host", "0.0.0.0", "--port", "8000"]
