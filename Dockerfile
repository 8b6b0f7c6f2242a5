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
# In a container the dashboard must listen beyond loopback to be reachable at all. There is no authentication
# yet: publish the port on the host's loopback (-p 127.0.0.1:8080:8080) or put an authenticating proxy in front.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Dashboard__AllowRemoteAccess=true \
    Dashboard__DataDirectory=/data
USER $APP_UID
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["dotnet", "Webordinary.Dashboard.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "Webordinary.Dashboard.dll"]
