# syntax=docker/dockerfile:1
# FastProxy container image: the native AOT `fastproxy` binary on a chiseled (distroless) base.
#
#   docker build -t fastproxy .
#   docker run --rm -p 8080:8080 -p 9901:9901 -v "$PWD/conf:/etc/fastproxy:ro" fastproxy
#
# The image carries no configuration: mount a directory holding fastproxy.yaml at /etc/fastproxy
# (in Kubernetes, the ConfigMap in deploy/configmap.yaml). Mount the directory, not the single
# file: the proxy watches the directory and reloads when the file inside it is replaced.
#
# Build and runtime stages are both Ubuntu 24.04 (noble): a native AOT binary links against the
# build stage's glibc, so the runtime image must not carry an older one.

# ---- build -------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build

# Native AOT links with clang and needs the zlib headers (System.IO.Compression's native part).
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Restore first, from the project files alone, so the package layer is cached across code edits.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Directory.Build.props src/BannedSymbols.txt src/
COPY src/Core/FastProxy.Core.csproj src/Core/
COPY src/Http/FastProxy.Http.csproj src/Http/
COPY src/Tls/FastProxy.Tls.csproj src/Tls/
COPY src/Policy/FastProxy.Policy.csproj src/Policy/
COPY src/Host/FastProxy.Host.csproj src/Host/
RUN dotnet restore src/Host/FastProxy.Host.csproj -r linux-x64

COPY src/ src/
RUN dotnet publish src/Host/FastProxy.Host.csproj -c Release -r linux-x64 --no-restore -o /out \
 && test -x /out/fastproxy

# ---- runtime -----------------------------------------------------------------------------------
# runtime-deps holds only what a self-contained .NET binary needs (glibc, libstdc++, OpenSSL,
# ICU-free since the binary uses invariant globalization, CA certificates); the chiseled variant
# has no shell and no package manager. It defines the non-root user `app` (uid/gid 1654).
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS runtime

WORKDIR /app
COPY --from=build --chown=0:0 --chmod=0555 /out/fastproxy /app/fastproxy

# Numeric uid:gid so Kubernetes can verify runAsNonRoot without resolving a user name.
USER 1654:1654

# 8080: the data listener (listeners[].address); 9901: the admin endpoint (admin.address:
# /healthz, /readyz, /metrics, /config). Both must match the mounted fastproxy.yaml.
EXPOSE 8080 9901

# SIGTERM drains (in-flight requests finish up to timeouts.drain_seconds, then exit 0); SIGHUP
# or a change to the mounted file reloads the configuration. The binary is PID 1 and handles
# both signals itself, so no init wrapper is needed.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/fastproxy", "run", "--config", "/etc/fastproxy/fastproxy.yaml"]
