# syntax=docker/dockerfile:1
# Webordinary Dashboard: multi-stage build, non-root runtime, listens on 8080, /alive for health.
# CI has no Docker engine; tests/publish-smoke.sh runs the same `dotnet publish` and checks /alive instead.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig appsettings.json ./
COPY wwwroot/ wwwroot/
COPY src/ src/
RUN dotnet publish src/Webordinary.Dashboard/Webordinary.Dashboard.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
RUN mkdir -p /data && chown "$APP_UID" /data
# The RDS certificate authorities, so a PostgreSQL store can verify the database's certificate (SSL Mode=VerifyFull
# with Store__RootCertificate, as the deployment in deploy/ sets it).
ADD --chmod=0444 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /usr/local/share/rds/global-bundle.pem
# Without authentication the dashboard listens on loopback only, so the image is reachable only once a sign-in mode
# is configured (README, Security: Auth__Mode=AlbOidc or Oidc, and AllowedHosts naming the dashboard's host name).
# A 4 MB gen0 budget instead of the cache-sized default: the probes allocate little and often, and a large gen0
# only keeps freed memory committed (peer benchmark, 500 probes: 75 MB less RSS, CPU unchanged). It can only be set
# by the environment, not in runtimeconfig.json.
# The console log is JSON, one object a line (category, level, message, the probe and run as scope fields) for
# CloudWatch Logs and other collectors; Logging__Console__FormatterName=simple gives the readable text back.
# Dashboard__TempDirectory: the only place besides /data the app writes, so a read-only root works from the start.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Dashboard__DataDirectory=/data \
    Dashboard__TempDirectory=/tmp \
    Logging__Console__FormatterName=json \
    Logging__Console__FormatterOptions__IncludeScopes=true \
    Logging__Console__FormatterOptions__UseUtcTimestamp=true \
    Logging__Console__FormatterOptions__TimestampFormat=yyyy-MM-ddTHH:mm:ss.fffZ \
    DOTNET_GCgen0size=0x400000
USER $APP_UID
EXPOSE 8080
# /tmp is a volume too: a read-only root (the deployment's task definition) mounts a task-local volume there, and
# ECS fills a volume from the image's VOLUME of the same path, mode 1777 included, so the non-root user can write it.
VOLUME ["/data", "/tmp"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["dotnet", "Webordinary.Dashboard.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "Webordinary.Dashboard.dll"]
