# One image for all five services; compose picks the service by its command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1
# The uv the repo is developed with (tools/bootstrap_uv.py pins the same one).
RUN pip install --no-cache-dir "uv==0.13.8"

WORKDIR /app
# Dependencies first, from the lock and the workspace's pyproject files only, so that
# editing source reuses this layer instead of reinstalling every dependency.
COPY pyproject.toml uv.lock ./
COPY libs/contracts/pyproject.toml libs/contracts/
COPY libs/kit/pyproject.toml libs/kit/
COPY libs/devkit/pyproject.toml libs/devkit/
COPY services/web/pyproject.toml services/web/
COPY services/orders/pyproject.toml services/orders/
COPY services/payments/pyproject.toml services/payments/
COPY services/dune_runner/pyproject.toml services/dune_runner/
COPY services/notifier/pyproject.toml services/notifier/
COPY tools/devstack/pyproject.toml tools/devstack/
COPY tools/localnet/pyproject.toml tools/localnet/
COPY tools/dune_emulator/pyproject.toml tools/dune_emulator/
RUN uv sync --frozen --all-packages --no-dev --no-install-workspace

# Then the workspace's own packages, installed as real (non-editable) wheels.
COPY libs libs
COPY services services
COPY tools tools
RUN uv sync --frozen --all-packages --no-dev --no-editable

ENV PATH="/app/.venv/bin:$PATH" HTTP_HOST=0.0.0.0
RUN useradd --create-home --uid 10001 app && mkdir -p /var/lib/wallet-reports && chown app /var/lib/wallet-reports
USER app
